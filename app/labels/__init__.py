"""Print-ready GS1 codes and labels: DataMatrix (zint or libdmtx), Digital Link QR, GS1-128, pack and SSCC labels.

Every payload is validated with ``epcis.gs1`` before anything is drawn; ``decode`` reads images
back with zxing-cpp to verify what was printed.
"""

from app.labels.datamatrix import DataMatrixBackend, LibdmtxBackend, ZintBackend, available_backends, datamatrix
from app.labels.decode import Decoded, decode
from app.labels.errors import BackendUnavailable, LabelError
from app.labels.gs1_128 import gs1_128
from app.labels.options import RenderOptions
from app.labels.pack import PackLabel, pack_label
from app.labels.qr import digital_link_qr
from app.labels.sscc import SsccContent, SsccLabel, sscc_label_pdf, sscc_label_png
from app.labels.zpl import sscc_label_zpl

__all__ = [
    "BackendUnavailable",
    "DataMatrixBackend",
    "Decoded",
    "LabelError",
    "LibdmtxBackend",
    "PackLabel",
    "RenderOptions",
    "SsccContent",
    "SsccLabel",
    "ZintBackend",
    "available_backends",
    "datamatrix",
    "decode",
    "digital_link_qr",
    "gs1_128",
    "pack_label",
    "sscc_label_pdf",
    "sscc_label_png",
    "sscc_label_zpl",
]
