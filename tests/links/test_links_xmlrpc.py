"""XML-RPC for Pingback: safe parsing of calls and responses, and the documents we write."""

import xmlrpc.client as std_xmlrpc
from datetime import datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from forum.links import xmlrpc as rpc
from forum.links.xmlrpc import (
    INVALID_REQUEST,
    PARSE_ERROR,
    Fault,
    XmlRpcError,
    build_call,
    fault_response,
    parse_call,
    parse_response,
    success_response,
)

PING = b"""<?xml version="1.0"?>
<methodCall>
  <methodName>pingback.ping</methodName>
  <params>
    <param><value><string>http://source.example/post</string></value></param>
    <param><value>http://forum.example/t/1</value></param>
  </params>
</methodCall>"""


def call_with(value_xml: str) -> bytes:
    return (f"<methodCall><methodName>m</methodName><params><param><value>{value_xml}</value></param>"
            f"</params></methodCall>").encode()


def test_a_pingback_call():
    assert parse_call(PING) == ("pingback.ping", ["http://source.example/post", "http://forum.example/t/1"])


def test_call_without_params():
    assert parse_call(b"<methodCall><methodName>system.listMethods</methodName></methodCall>") == ("system.listMethods", [])
    assert parse_call(b"<methodCall><methodName>a.b</methodName><params/></methodCall>") == ("a.b", [])


@pytest.mark.parametrize("value_xml, expected", [
    ("<int>42</int>", 42), ("<i4>-7</i4>", -7), ("<i8> 9007199254740993 </i8>", 9007199254740993),
    ("<boolean>1</boolean>", True), ("<boolean>0</boolean>", False),
    ("<string>a &amp; b &lt;c&gt;</string>", "a & b <c>"), ("<string/>", ""), ("", ""), ("plain", "plain"),
    ("<string>ünï 日本</string>", "ünï 日本"),
    ("<double>-1.5e3</double>", -1500.0), ("<double>.5</double>", 0.5),
    ("<dateTime.iso8601>19980717T14:08:55</dateTime.iso8601>", datetime(1998, 7, 17, 14, 8, 55)),
    ("<dateTime.iso8601>2024-02-29T23:59:59</dateTime.iso8601>", datetime(2024, 2, 29, 23, 59, 59)),
    ("<base64>aGVs\nbG8=</base64>", b"hello"), ("<nil/>", None),
    ("<array><data><value><int>1</int></value><value>x</value></data></array>", [1, "x"]),
    ("<array><data/></array>", []),
    ("<struct><member><name>a</name><value><int>1</int></value></member>"
     "<member><name>b</name><value><array><data><value><boolean>1</boolean></value></data></array></value></member></struct>",
     {"a": 1, "b": [True]}),
])
def test_value_types(value_xml, expected):
    assert parse_call(call_with(value_xml))[1] == [expected]


@pytest.mark.parametrize("value_xml", [
    "<int>1.5</int>", "<int>abc</int>", "<int></int>", "<int>" + "9" * 5000 + "</int>", "<int>١٢</int>",
    "<boolean>true</boolean>", "<boolean>2</boolean>", "<double>nan</double>", "<double>inf</double>",
    "<double>1e999</double>", "<dateTime.iso8601>yesterday</dateTime.iso8601>", "<base64>!!!</base64>",
    "<unknown>x</unknown>", "<string>a</string><string>b</string>", "<array><value>1</value></array>",
    "<struct><member><value>1</value></member></struct>",
    "<struct><member><name>a</name><name>b</name><value>1</value></member></struct>",
])
def test_invalid_values_are_refused(value_xml):
    with pytest.raises(XmlRpcError) as error:
        parse_call(call_with(value_xml))
    assert error.value.code == INVALID_REQUEST


def test_deep_nesting_is_refused_without_recursion_error():
    deep = "<array><data><value>" * 5000 + "x" + "</value></data></array>" * 5000
    with pytest.raises(XmlRpcError, match="nested"):
        parse_call(call_with(deep))
    ok = "<array><data><value>" * 10 + "x" + "</value></data></array>" * 10
    assert parse_call(call_with(ok))[1]


@pytest.mark.parametrize("body", [
    b"<methodResponse><params/></methodResponse>",
    b"<methodCall><params/></methodCall>",
    b"<methodCall><methodName></methodName></methodCall>",
    b"<methodCall><methodName>bad name!</methodName></methodCall>",
    b"<methodCall><methodName>m</methodName><params><param/></params></methodCall>",
    b"<methodCall><methodName>m</methodName><params><junk/></params></methodCall>",
    b"<methodCall><methodName>m</methodName><params><param><value>1</value><value>2</value></param></params></methodCall>",
    b'<x:methodCall xmlns:x="urn:x"><methodName>m</methodName></x:methodCall>',
])
def test_calls_not_shaped_like_xml_rpc(body):
    with pytest.raises(XmlRpcError) as error:
        parse_call(body)
    assert error.value.code == INVALID_REQUEST


@pytest.mark.parametrize("body", [
    b"", b"   ", b"not xml at all", b"{\"json\": true}", b"<methodCall>", b"<a></b>",
    b"<methodCall><methodName>m</methodName></methodCall><second/>",
    b"\x00\x01\x02", "<methodCall/>".encode("utf-16"),
])
def test_non_xml_is_a_parse_error(body):
    with pytest.raises(XmlRpcError) as error:
        parse_call(body)
    assert error.value.code == PARSE_ERROR


def test_invalid_utf8_is_refused():
    body = b"<methodCall><methodName>m</methodName><params><param><value>caf\xe9</value></param></params></methodCall>"
    with pytest.raises(XmlRpcError, match="UTF-8") as error:
        parse_call(body)
    assert error.value.code == PARSE_ERROR
    with pytest.raises(XmlRpcError, match="UTF-8"):
        parse_call(b'<?xml version="1.0" encoding="UTF-8"?>' + body)


def test_a_declared_other_encoding_is_honoured():
    body = b"<?xml version='1.0' encoding='ISO-8859-1'?><methodCall><methodName>m</methodName><params><param><value>caf\xe9</value></param></params></methodCall>"
    assert parse_call(body) == ("m", ["café"])


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<methodCall><methodName>pingback.ping</methodName><params><param><value>&lol3;</value></param></params></methodCall>"""

EXTERNAL_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<methodCall><methodName>pingback.ping</methodName><params><param><value>&xxe;</value></param></params></methodCall>"""

PLAIN_DTD = b"""<?xml version="1.0"?><!DOCTYPE methodCall SYSTEM "http://127.0.0.1:9/x.dtd">
<methodCall><methodName>m</methodName></methodCall>"""


@pytest.mark.parametrize("body", [BILLION_LAUGHS, EXTERNAL_ENTITY, PLAIN_DTD], ids=["bomb", "xxe", "dtd"])
def test_dtds_and_entities_are_refused(body):
    with pytest.raises(XmlRpcError) as error:
        parse_call(body)
    assert error.value.code == INVALID_REQUEST
    assert "passwd" not in error.value.message and "lollol" not in error.value.message


def test_undefined_entity_is_a_parse_error():
    with pytest.raises(XmlRpcError) as error:
        parse_call(b"<methodCall><methodName>&nope;</methodName></methodCall>")
    assert error.value.code == PARSE_ERROR


@given(st.binary(max_size=300))
def test_parse_call_refuses_garbage_only_with_xml_rpc_errors(body):
    try:
        name, params = parse_call(body)
    except XmlRpcError as error:
        assert error.code in (PARSE_ERROR, INVALID_REQUEST) and error.message
    else:
        assert isinstance(name, str) and isinstance(params, list)


# --- responses and calls we write -------------------------------------------------------------------


def test_fault_response_round_trips():
    body = fault_response(rpc.SOURCE_HAS_NO_LINK, "The source <a> doesn't link to the target & so on")
    assert body.startswith(b"<?xml")
    with pytest.raises(Fault) as fault:
        parse_response(body)
    assert fault.value.code == 17
    assert fault.value.message == "The source <a> doesn't link to the target & so on"
    # and the standard library's client reads it the same way
    with pytest.raises(std_xmlrpc.Fault) as std:
        std_xmlrpc.loads(body)
    assert std.value.faultCode == 17


def test_success_response_round_trips():
    body = success_response("Pingback from http://a.example/ to http://b.example/t/1 registered. Keep the web talking!")
    assert parse_response(body) == "Pingback from http://a.example/ to http://b.example/t/1 registered. Keep the web talking!"
    assert std_xmlrpc.loads(body)[0] == (parse_response(body),)


def test_build_call_round_trips():
    body = build_call("pingback.ping", ["http://a.example/p?x=1&y=<2>", "http://b.example/t/1"])
    assert parse_call(body) == ("pingback.ping", ["http://a.example/p?x=1&y=<2>", "http://b.example/t/1"])


def test_characters_xml_cannot_carry_are_dropped_not_written():
    body = fault_response(0, "bad\x00 \x0bbyte\ufffe")
    with pytest.raises(Fault) as fault:
        parse_response(body)
    assert fault.value.message == "bad byte"


# Text XML can carry as it is (XML turns \r into \n; _clean drops the rest).
xml_text = st.text(st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters="\ufffe\uffff") | st.sampled_from("\t\n"))
xml_values = st.recursive(
    st.none() | st.booleans() | st.integers(min_value=-(2**31), max_value=2**31 - 1)
    | st.floats(allow_nan=False, allow_infinity=False) | xml_text,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(xml_text, children, max_size=4),
    max_leaves=12,
)


@given(xml_values)
def test_any_value_round_trips_through_a_response(value):
    body = std_xmlrpc.dumps((value,), methodresponse=True, allow_none=True, encoding="utf-8").encode()
    assert parse_response(body) == value
    assert parse_response(success_response(value)) == value
    assert parse_call(build_call("m", [value, value])) == ("m", [value, value])


@pytest.mark.parametrize("body", [
    b"<methodResponse/>",
    b"<methodResponse><params/></methodResponse>",
    b"<methodResponse><fault><value><string>x</string></value></fault></methodResponse>",
    b"<methodResponse><fault><value><struct><member><name>faultCode</name><value>x</value></member></struct></value></fault></methodResponse>",
    b"<methodResponse><other/></methodResponse>",
    b"<methodCall><methodName>m</methodName></methodCall>",
])
def test_malformed_responses(body):
    with pytest.raises(XmlRpcError) as error:
        parse_response(body)
    assert not isinstance(error.value, Fault)


def test_fault_codes_are_the_spec_numbers():
    assert (rpc.GENERIC_FAULT, rpc.SOURCE_NOT_FOUND, rpc.SOURCE_HAS_NO_LINK, rpc.TARGET_NOT_FOUND,
            rpc.TARGET_CANNOT_BE_USED, rpc.ALREADY_REGISTERED, rpc.ACCESS_DENIED,
            rpc.UPSTREAM_ERROR) == (0, 16, 17, 32, 33, 48, 49, 50)
    assert (rpc.PARSE_ERROR, rpc.INVALID_REQUEST, rpc.METHOD_NOT_FOUND,
            rpc.INVALID_PARAMS) == (-32700, -32600, -32601, -32602)
