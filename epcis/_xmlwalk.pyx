# cython: language_level=3, boundscheck=False, wraparound=False
"""Compiled reader for the usual shape of an XML event: the same model as ``epcis.xml.event_from_xml``.

Walks libxml2's nodes under lxml's tree directly (no element proxies, no per-field dispatch in
Python). It reads only what bulk packaging documents hold: unqualified standard fields with plain
text, readPoint/bizLocation with just an ``id``, EPC and quantity lists, bizTransactions, an ILMD of
namespaced leaves, and namespaced leaf extensions. Comments and processing instructions between
elements are skipped, as lxml's element iteration skips them. For anything else (attributes on an
extension, nested extensions, a value split into several nodes, another field, a value the model
refuses) ``read_event`` answers None and the caller reads the event the general way, which also
words the error. ``configure`` hands over the model's constructors and tables once.

``screen_texts`` is the walk of ``epcis.validation.xmlscreen``: the values the rules read, in one pass.
"""

from libc.string cimport strcmp, strlen

cimport lxml.includes.etreepublic as cetree
from lxml.includes.etreepublic cimport _Element
from lxml.includes.tree cimport XML_ELEMENT_NODE, XML_TEXT_NODE, xmlAttr, xmlNode

cetree.import_lxml__etree()

cdef extern from "libxml/xmlversion.h":
    const char* LIBXML_DOTTED_VERSION

# The lxml and libxml2 whose headers this module was compiled against: node layouts must match.
BUILT_FOR_LXML = (<bytes>cetree.LXML_VERSION_STRING).decode()
BUILT_FOR_LIBXML2 = (<bytes>LIBXML_DOTTED_VERSION).decode()

cdef object Epc, parse_time, parse_decimal, Location, Extension, BizTransaction, QuantityElement
cdef object new_object = object.__new__
cdef dict EVENT_TYPES, ALLOWED, BIZ_STEPS, DISPOSITIONS
cdef object BT_TO_BARE
cdef bint configured = False
cdef str EPCIS_NS = "urn:epcglobal:epcis"


def configure(epc, time, decimal, location, extension, biz_transaction, quantity, event_types, allowed,
              biz_steps, dispositions, bt_to_bare):
    """Hand over the model's constructors and lookup tables (called once by ``epcis.xml``)."""
    global Epc, parse_time, parse_decimal, Location, Extension, BizTransaction, QuantityElement
    global EVENT_TYPES, ALLOWED, BIZ_STEPS, DISPOSITIONS, BT_TO_BARE, configured
    Epc, parse_time, parse_decimal = epc, time, decimal
    Location, Extension, BizTransaction, QuantityElement = location, extension, biz_transaction, quantity
    EVENT_TYPES, ALLOWED, BIZ_STEPS, DISPOSITIONS, BT_TO_BARE = event_types, allowed, biz_steps, dispositions, bt_to_bare
    configured = True


cdef inline str _decode(const char* text):
    if text is NULL:  # libxml2 leaves no text node without content; guarded all the same
        return ""
    return text[:strlen(text)].decode("utf-8")


cdef object _text(xmlNode* node):
    """Stripped text of a text-only element ("" when empty); None when it has anything but one text node."""
    cdef xmlNode* child = node.children
    if child is NULL:
        return ""
    if child.type != XML_TEXT_NODE or child.next is not NULL:
        return None
    return _decode(<const char*>child.content).strip()


cdef xmlNode* _next_element(xmlNode* node):
    """The element at or after ``node``: like lxml's element iteration, skips text, comments, PIs, entities."""
    while node is not NULL and node.type != XML_ELEMENT_NODE:
        node = node.next
    return node


cdef object _name(xmlNode* node):
    """Clark name of a namespaced element; None for an unqualified one or one in an EPCIS namespace."""
    if node.ns is NULL or node.ns.href is NULL:
        return None
    href = _decode(<const char*>node.ns.href)
    if href.startswith(EPCIS_NS):
        return None
    return "{" + href + "}" + _decode(<const char*>node.name)


cdef object _leaf_extension(xmlNode* node):
    """A namespaced leaf without attributes as an Extension; None for anything else."""
    if node.properties is not NULL:
        return None
    name = _name(node)
    if name is None:
        return None
    text = _text(node)
    if text is None:
        return None
    ext = new_object(Extension)
    ext.name = name
    ext.text = text or None
    ext.attributes = {}
    ext.children = []
    ext.json_type = None
    return ext


cdef object _location(xmlNode* node):
    """readPoint / bizLocation holding one unqualified ``id`` and nothing else."""
    cdef xmlNode* only = _next_element(node.children)
    if only is NULL or only.ns is not NULL or strcmp(<const char*>only.name, "id") != 0:
        return None
    if _next_element(only.next) is not NULL:
        return None
    text = _text(only)
    if text is None:
        return None
    loc = new_object(Location)
    loc.id = Epc(text)
    loc.extensions = []
    return loc


ctypedef object (*ItemReader)(xmlNode*)


cdef object _each(xmlNode* node, ItemReader read):
    """``read`` of every child element, in order; None as soon as one answers None."""
    cdef xmlNode* item = _next_element(node.children)
    out = []
    while item is not NULL:
        value = read(item)
        if value is None:
            return None
        out.append(value)
        item = _next_element(item.next)
    return out


cdef object _epc(xmlNode* node):
    """An EPC list entry, whatever its tag."""
    text = _text(node)
    return None if text is None else Epc(text)


cdef object _attribute(xmlNode* node, const char* name):
    """Value of an unqualified attribute: None if absent, False if its value is not one text node."""
    cdef xmlAttr* attr = node.properties
    while attr is not NULL:
        if attr.ns is NULL and strcmp(<const char*>attr.name, name) == 0:
            if attr.children is NULL:
                return ""
            if attr.children.type != XML_TEXT_NODE or attr.children.next is not NULL:
                return False
            return _decode(<const char*>attr.children.content)
        attr = attr.next
    return None


cdef object _biz_transaction(xmlNode* item):
    if item.ns is not NULL or strcmp(<const char*>item.name, "bizTransaction") != 0:
        return None
    text = _text(item)
    kind = _attribute(item, "type")
    if text is None or kind is False:
        return None
    return BizTransaction(value=text, type=None if kind is None else BT_TO_BARE(kind))


cdef object _quantity_element(xmlNode* item):
    cdef xmlNode* part
    if item.ns is not NULL or strcmp(<const char*>item.name, "quantityElement") != 0:
        return None
    epc_class = quantity = uom = None
    part = _next_element(item.children)
    while part is not NULL:
        if part.ns is not NULL:
            return None
        text = _text(part)
        if text is None:
            return None
        if strcmp(<const char*>part.name, "epcClass") == 0:
            epc_class = Epc(text)
        elif strcmp(<const char*>part.name, "quantity") == 0:
            quantity = parse_decimal(text) if text else None
        elif strcmp(<const char*>part.name, "uom") == 0:
            uom = text
        else:
            return None
        part = _next_element(part.next)
    if epc_class is None:
        return None
    return QuantityElement(epc_class=epc_class, quantity=quantity, uom=uom)


cdef object _field(xmlNode* child, dict kw):
    """Read one unqualified standard field into ``kw``; False when it is not one this reader knows."""
    cdef const char* tag = <const char*>child.name
    cdef object value
    cdef str key
    if strcmp(tag, "epcList") == 0 or strcmp(tag, "childEPCs") == 0:
        key = "epc_list" if strcmp(tag, "epcList") == 0 else "child_epcs"
        value = _each(child, _epc)
    elif strcmp(tag, "readPoint") == 0 or strcmp(tag, "bizLocation") == 0:
        key = "read_point" if strcmp(tag, "readPoint") == 0 else "biz_location"
        value = _location(child)
    elif strcmp(tag, "bizTransactionList") == 0:
        key = "biz_transactions"
        value = _each(child, _biz_transaction)
    elif strcmp(tag, "quantityList") == 0 or strcmp(tag, "childQuantityList") == 0:
        key = "quantity_list" if strcmp(tag, "quantityList") == 0 else "child_quantity_list"
        value = _each(child, _quantity_element)
    elif strcmp(tag, "ilmd") == 0:
        key = "ilmd"
        value = _each(child, _leaf_extension)
    else:
        value = _text(child)
        if value is None:
            return False
        if strcmp(tag, "eventTime") == 0:
            kw["event_time"] = parse_time(value)
        elif strcmp(tag, "eventTimeZoneOffset") == 0:
            kw["event_time_zone_offset"] = value
        elif strcmp(tag, "action") == 0:
            kw["action"] = value
        elif strcmp(tag, "bizStep") == 0:
            kw["biz_step"] = BIZ_STEPS.get(value, value)
        elif strcmp(tag, "disposition") == 0:
            kw["disposition"] = DISPOSITIONS.get(value, value)
        elif strcmp(tag, "parentID") == 0:
            kw["parent_id"] = Epc(value)
        elif strcmp(tag, "eventID") == 0:
            kw["event_id"] = value
        elif strcmp(tag, "recordTime") == 0:
            kw["record_time"] = parse_time(value)
        else:
            return False
        return True
    if value is None:
        return False
    kw[key] = value
    return True


def read_event(_Element element not None):
    """The model event of ``element`` when it has the usual shape, else None (read it the general way)."""
    cdef xmlNode* node = element._c_node
    cdef xmlNode* child
    if not configured or node is NULL or node.ns is not NULL:
        return None
    if node.doc is NULL or node.doc.intSubset is not NULL or node.doc.extSubset is not NULL:
        return None  # a DTD may declare default attribute values, which lxml's get() reports
    cls = EVENT_TYPES.get(_decode(<const char*>node.name))
    if cls is None:
        return None
    kw = {}
    extensions = None
    child = _next_element(node.children)
    try:
        while child is not NULL:
            if child.ns is NULL:
                if not _field(child, kw):
                    return None
            else:
                ext = _leaf_extension(child)
                if ext is None:
                    return None
                if extensions is None:
                    extensions = kw["extensions"] = [ext]
                else:
                    extensions.append(ext)
            child = _next_element(child.next)
    except (ValueError, ArithmeticError):
        return None  # the general reader words the error
    allowed, required = ALLOWED[cls]
    keys = kw.keys()
    if not (keys <= allowed and required <= keys):
        return None
    return cls(**kw)


cdef int _index(const char* name, list names):
    """Position of ``name`` in ``names`` (bytes), or -1."""
    cdef int i
    for i in range(len(names)):
        if strcmp(name, <const char*>(<bytes>names[i])) == 0:
            return i
    return -1


def screen_texts(
    _Element root not None,
    tuple read not None,
    tuple trips not None,
    str parent not None,
    str needs_parent not None,
    str resets_parent not None,
):
    """``epcis.validation.xmlscreen._read`` in one C walk: the text of every unqualified element named in
    ``read`` (``parent`` elements' text goes with ``read[-1]``), or None when the tree holds a node other
    than elements and text, an unqualified element named in ``trips``, a ``needs_parent`` element without
    a ``parent`` before the next ``needs_parent``/``resets_parent`` element, or a value that is not one
    text node.
    """
    if root._c_node is NULL or not read:
        raise ValueError("screen_texts needs an element and at least one tag to read")
    cdef list read_names = [tag.encode() for tag in read]
    cdef list trip_names = [tag.encode() for tag in trips]
    cdef bytes parent_name = parent.encode(), needs_name = needs_parent.encode(), resets_name = resets_parent.encode()
    cdef list texts = [[] for _ in read]
    cdef list identifiers = texts[len(read) - 1]
    cdef xmlNode* top = root._c_node
    cdef xmlNode* node = top
    cdef xmlNode* child
    cdef const char* name
    cdef int at
    cdef bint awaiting = False
    while True:
        if node.type == XML_ELEMENT_NODE:
            if node.ns is NULL:
                name = <const char*>node.name
                at = _index(name, read_names)
                if at >= 0 or strcmp(name, parent_name) == 0:
                    child = node.children
                    if child is NULL or child.type != XML_TEXT_NODE or child.next is not NULL:
                        return None
                    value = _decode(<const char*>child.content)
                    if at >= 0:
                        (<list>texts[at]).append(value)
                    else:
                        identifiers.append(value)
                        awaiting = False
                    node = child  # its only child is that text node
                elif strcmp(name, needs_name) == 0 or strcmp(name, resets_name) == 0:
                    if awaiting:
                        return None
                    awaiting = strcmp(name, needs_name) == 0
                elif _index(name, trip_names) >= 0:
                    return None
            if node.type == XML_ELEMENT_NODE and node.children is not NULL:
                node = node.children
                continue
        elif node.type != XML_TEXT_NODE:
            return None
        while node is not top and node.next is NULL:
            node = node.parent
        if node is top:
            break
        node = node.next
    if awaiting:
        return None
    return dict(zip(read, texts))
