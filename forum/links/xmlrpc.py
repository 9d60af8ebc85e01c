"""XML-RPC, as far as Pingback 1.0 needs it, read safely.

Incoming XML is parsed with defusedxml and refused when it has a DTD or entities (so no XML
bombs or external entities), is not valid UTF-8 (unless it declares another encoding), is not
well-formed, or is not a well-formed XML-RPC call or response. Every refusal raises
:class:`XmlRpcError` carrying the fault code the endpoint should answer with. Outgoing XML is
written by the standard library's ``xmlrpc.client.dumps``, which escapes everything.
"""

from __future__ import annotations

import base64
import binascii
import math
import re
import xmlrpc.client
from datetime import datetime
from xml.etree.ElementTree import Element, ParseError

import defusedxml
import defusedxml.ElementTree

# Pingback 1.0 fault codes.
GENERIC_FAULT = 0
SOURCE_NOT_FOUND = 16  # the source URI does not exist
SOURCE_HAS_NO_LINK = 17  # the source does not contain a link to the target
TARGET_NOT_FOUND = 32  # the target URI does not exist
TARGET_CANNOT_BE_USED = 33  # the target is not a pingback-enabled resource (or is closed)
ALREADY_REGISTERED = 48  # this pingback was already registered
ACCESS_DENIED = 49
UPSTREAM_ERROR = 50  # the server could not reach an upstream server
# XML-RPC server error codes (specification for fault code interoperability).
PARSE_ERROR = -32700
INVALID_REQUEST = -32600
METHOD_NOT_FOUND = -32601
INVALID_PARAMS = -32602

MAX_DEPTH = 32  # nested arrays and structs; Pingback uses none, so this is generous
_INT = re.compile(r"\s*[+-]?[0-9]{1,20}\s*")  # i8 at most; longer ones are refused, not computed
_DOUBLE = re.compile(r"\s*[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?\s*")
_METHOD_NAME = re.compile(r"[A-Za-z0-9_.:/]+")
_ENCODING_DECLARATION = re.compile(rb"""^\s*<\?xml[^>]*encoding\s*=\s*["']([A-Za-z0-9._-]+)""")
_NOT_XML_CHARS = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


class XmlRpcError(Exception):
    """Unacceptable XML-RPC; ``code`` is the fault code to answer with."""

    def __init__(self, code: int, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


class Fault(XmlRpcError):
    """The other side answered a call with an XML-RPC fault."""

    def __str__(self) -> str:
        return f"fault {self.code}: {self.message}"


def parse_call(body: bytes) -> tuple[str, list]:
    """A ``<methodCall>`` as (method name, list of parameter values)."""
    root = _parse_xml(body)
    if root.tag != "methodCall":
        raise XmlRpcError(INVALID_REQUEST, f"expected <methodCall>, got <{root.tag}>")
    name_element = root.find("methodName")
    name = (name_element.text or "").strip() if name_element is not None else ""
    if not _METHOD_NAME.fullmatch(name):
        raise XmlRpcError(INVALID_REQUEST, "missing or invalid <methodName>")
    params = root.find("params")
    return name, [] if params is None else [_param_value(param) for param in _children(params, "param")]


def parse_response(body: bytes):
    """The value of a ``<methodResponse>``; raises :class:`Fault` if it is a fault."""
    root = _parse_xml(body)
    if root.tag != "methodResponse" or len(root) != 1:
        raise XmlRpcError(INVALID_REQUEST, "expected a <methodResponse> with params or a fault")
    child = root[0]
    if child.tag == "fault":
        fault = _value(_single(child, "value"), 0)
        if not isinstance(fault, dict) or not isinstance(fault.get("faultCode"), int):
            raise XmlRpcError(INVALID_REQUEST, "a <fault> must hold a struct with an int faultCode")
        raise Fault(fault["faultCode"], str(fault.get("faultString", "")))
    if child.tag != "params":
        raise XmlRpcError(INVALID_REQUEST, f"unexpected <{child.tag}> in <methodResponse>")
    return _param_value(_single(child, "param"))


def build_call(method: str, params: list | tuple) -> bytes:
    """A ``<methodCall>`` document, UTF-8 encoded."""
    return _dumps(tuple(_clean(p) for p in params), methodname=method)


def success_response(value) -> bytes:
    """A ``<methodResponse>`` returning ``value`` (None as the common ``<nil/>`` extension), UTF-8 encoded."""
    return _dumps((_clean(value),), methodresponse=True)


def fault_response(code: int, message: str) -> bytes:
    """A ``<methodResponse>`` holding a fault, UTF-8 encoded."""
    return _dumps(xmlrpc.client.Fault(code, _clean(message)), methodresponse=True)


def _dumps(params, **kwargs) -> bytes:
    return xmlrpc.client.dumps(params, allow_none=True, encoding="utf-8", **kwargs).encode("utf-8")


def _clean(value):
    """Drop characters XML 1.0 cannot carry (dumps would write them and break the document)."""
    if isinstance(value, str):
        return _NOT_XML_CHARS.sub("", value)
    if isinstance(value, (list, tuple)):
        return [_clean(v) for v in value]
    if isinstance(value, dict):
        return {_clean(k): _clean(v) for k, v in value.items()}
    return value


def _parse_xml(body: bytes) -> Element:
    if not isinstance(body, (bytes, bytearray)) or not body.strip():
        raise XmlRpcError(PARSE_ERROR, "empty or non-bytes XML-RPC body")
    declared = _ENCODING_DECLARATION.match(body)
    if declared is None or declared.group(1).lower() in (b"utf-8", b"utf8", b"us-ascii", b"ascii"):
        try:
            body.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise XmlRpcError(PARSE_ERROR, f"body is not valid UTF-8 (byte {exc.start})") from None
    try:
        return defusedxml.ElementTree.fromstring(body, forbid_dtd=True)
    except defusedxml.DefusedXmlException as exc:
        raise XmlRpcError(INVALID_REQUEST, f"DTDs, entities and external references are refused: {exc!r}") from None
    except (ParseError, LookupError, ValueError) as exc:
        raise XmlRpcError(PARSE_ERROR, f"not well-formed XML: {exc}") from None


def _children(element: Element, tag: str) -> list[Element]:
    children = list(element)
    if any(child.tag != tag for child in children):
        raise XmlRpcError(INVALID_REQUEST, f"<{element.tag}> may hold only <{tag}> elements")
    return children


def _single(element: Element, tag: str) -> Element:
    children = _children(element, tag)
    if len(children) != 1:
        raise XmlRpcError(INVALID_REQUEST, f"<{element.tag}> must hold exactly one <{tag}>")
    return children[0]


def _param_value(param: Element):
    return _value(_single(param, "value"), 0)


def _value(element: Element, depth: int):
    """The Python value of a ``<value>`` element."""
    if depth > MAX_DEPTH:
        raise XmlRpcError(INVALID_REQUEST, f"values nested deeper than {MAX_DEPTH}")
    if len(element) == 0:
        return element.text or ""  # an untyped value is a string
    if len(element) > 1:
        raise XmlRpcError(INVALID_REQUEST, "a <value> holds one typed element")
    typed = element[0]
    tag, text = typed.tag, typed.text or ""
    if tag in ("int", "i4", "i8") and _INT.fullmatch(text):
        return int(text)
    if tag == "boolean" and text.strip() in ("0", "1"):
        return text.strip() == "1"
    if tag == "string":
        return text
    if tag == "double" and _DOUBLE.fullmatch(text) and math.isfinite(float(text)):
        return float(text)
    if tag == "nil":
        return None
    if tag == "dateTime.iso8601":
        for layout in ("%Y%m%dT%H:%M:%S", "%Y-%m-%dT%H:%M:%S", "%Y%m%dT%H%M%S"):
            try:
                return datetime.strptime(text.strip(), layout)
            except ValueError:
                continue
    if tag == "base64":
        try:
            return base64.b64decode("".join(text.split()), validate=True)
        except (binascii.Error, ValueError):
            pass
    if tag == "array":
        return [_value(v, depth + 1) for v in _children(_single(typed, "data"), "value")]
    if tag == "struct":
        return dict(_member(member, depth) for member in _children(typed, "member"))
    raise XmlRpcError(INVALID_REQUEST, f"invalid <{tag}> value {text[:40]!r}")


def _member(member: Element, depth: int) -> tuple[str, object]:
    names, values = member.findall("name"), member.findall("value")
    if len(names) != 1 or len(values) != 1 or len(member) != 2:
        raise XmlRpcError(INVALID_REQUEST, "a struct <member> holds one <name> and one <value>")
    return names[0].text or "", _value(values[0], depth + 1)
