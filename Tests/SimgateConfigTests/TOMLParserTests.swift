// TOML 1.0 conformance: the examples of the specification (toml.io/en/v1.0.0), valid and
// invalid, plus the edge cases a config file meets (CRLF, BOM, deep nesting, positions).
import Testing
@testable import SimgateConfig

/// A compact, type-tagged rendering so a whole document compares in one string:
/// strings quoted, integers bare, floats `f:`, date-times `dt:`, tables `{k=v,...}` in source order.
func render(_ value: TOMLValue) -> String {
    switch value.kind {
    case .string(let s): return "\"" + s.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\n", with: "\\n").replacingOccurrences(of: "\t", with: "\\t").replacingOccurrences(of: "\"", with: "\\\"") + "\""
    case .integer(let i): return String(i)
    case .float(let d): return "f:\(d)"
    case .boolean(let b): return String(b)
    case .datetime(let s): return "dt:\(s)"
    case .array(let a): return "[" + a.map(render).joined(separator: ",") + "]"
    case .table(let t): return render(t)
    }
}

func render(_ table: TOMLTable) -> String {
    "{" + table.entries.map { "\($0.key)=\(render($0.value))" }.joined(separator: ",") + "}"
}

func parsed(_ text: String) throws -> String {
    render(try TOMLParser.parse(text, fileName: "t.toml"))
}

/// The error's full text, `t.toml:line:column: message`, or "no error".
func parseError(_ text: String) -> String {
    do {
        _ = try TOMLParser.parse(text, fileName: "t.toml")
        return "no error"
    } catch {
        return error.description
    }
}

@Suite("TOML: valid documents")
struct TOMLValidTests {
    @Test func commentsAndBasicPairs() throws {
        let doc = """
        # This is a full-line comment
        key = "value"  # This is a comment at the end of a line
        another = "# This is not a comment"
        """
        #expect(try parsed(doc) == ##"{key="value",another="# This is not a comment"}"##)
    }

    @Test func emptyDocument() throws {
        #expect(try parsed("") == "{}")
        #expect(try parsed("\n# only a comment\n\n") == "{}")
    }

    @Test func bareAndQuotedKeys() throws {
        let doc = """
        bare_key = "value"
        bare-key = "value"
        1234 = "value"
        "127.0.0.1" = "value"
        "character encoding" = "value"
        "ʎǝʞ" = "value"
        'key2' = "value"
        'quoted "value"' = "value"
        "" = "blank"
        """
        #expect(try parsed(doc) == #"{bare_key="value",bare-key="value",1234="value",127.0.0.1="value",character encoding="value",ʎǝʞ="value",key2="value",quoted "value"="value",="blank"}"#)
    }

    @Test func dottedKeysMakeTables() throws {
        let doc = """
        name = "Orange"
        physical.color = "orange"
        physical.shape = "round"
        site."google.com" = true
        fruit . flavor = "banana"
        3.14159 = "pi"
        """
        #expect(try parsed(doc) == #"{name="Orange",physical={color="orange",shape="round"},site={google.com=true},fruit={flavor="banana"},3={14159="pi"}}"#)
    }

    @Test func basicStringEscapes() throws {
        let doc = #"str = "I'm a string. \"You can quote me\". Name\tJos\u00E9\nLocation\tSF. \U0001F600 \b\f\r\\""#
        let table = try TOMLParser.parse(doc)
        #expect(table["str"]?.stringValue == "I'm a string. \"You can quote me\". Name\tJos\u{E9}\nLocation\tSF. \u{1F600} \u{08}\u{0C}\r\\")
    }

    @Test func multilineBasicStrings() throws {
        let doc = #"""
        str1 = """
        Roses are red
        Violets are blue"""
        str2 = """
        The quick brown \


          fox jumps over \
            the lazy dog."""
        str3 = """\
               The quick brown \
               fox jumps over \
               the lazy dog.\
               """
        str4 = """Here are two quotation marks: "". Simple enough."""
        str5 = """Here are three quotation marks: ""\"."""
        str7 = """"This," she said, "is just a pointless statement.""""
        """#
        let t = try TOMLParser.parse(doc)
        #expect(t["str1"]?.stringValue == "Roses are red\nViolets are blue")
        #expect(t["str2"]?.stringValue == "The quick brown fox jumps over the lazy dog.")
        #expect(t["str3"]?.stringValue == "The quick brown fox jumps over the lazy dog.")
        #expect(t["str4"]?.stringValue == "Here are two quotation marks: \"\". Simple enough.")
        #expect(t["str5"]?.stringValue == "Here are three quotation marks: \"\"\".")
        #expect(t["str7"]?.stringValue == "\"This,\" she said, \"is just a pointless statement.\"")
    }

    @Test func literalStrings() throws {
        let doc = #"""
        winpath  = 'C:\Users\nodejs\templates'
        regex    = '<\i\c*\s*>'
        regex2 = '''I [dw]on't need \d{2} apples'''
        lines  = '''
        The first newline is
        trimmed in raw strings.
           All other whitespace
           is preserved.
        '''
        quot15 = '''Here are fifteen quotation marks: """""""""""""""'''
        str = ''''That,' she said, 'is still pointless.''''
        """#
        let t = try TOMLParser.parse(doc)
        #expect(t["winpath"]?.stringValue == #"C:\Users\nodejs\templates"#)
        #expect(t["regex"]?.stringValue == #"<\i\c*\s*>"#)
        #expect(t["regex2"]?.stringValue == #"I [dw]on't need \d{2} apples"#)
        #expect(t["lines"]?.stringValue == "The first newline is\ntrimmed in raw strings.\n   All other whitespace\n   is preserved.\n")
        #expect(t["quot15"]?.stringValue == "Here are fifteen quotation marks: " + String(repeating: "\"", count: 15))
        #expect(t["str"]?.stringValue == "'That,' she said, 'is still pointless.'")
    }

    @Test func integers() throws {
        let doc = """
        int1 = +99
        int2 = 42
        int3 = 0
        int4 = -17
        int5 = 1_000
        int6 = 5_349_221
        int7 = 53_49_221
        int8 = 1_2_3_4_5
        hex1 = 0xDEADBEEF
        hex2 = 0xdeadbeef
        hex3 = 0xdead_beef
        oct1 = 0o01234567
        oct2 = 0o755
        bin1 = 0b11010110
        max = 9223372036854775807
        min = -9223372036854775808
        zero = +0
        negzero = -0
        """
        #expect(try parsed(doc) == "{int1=99,int2=42,int3=0,int4=-17,int5=1000,int6=5349221,int7=5349221,int8=12345,hex1=3735928559,hex2=3735928559,hex3=3735928559,oct1=342391,oct2=493,bin1=214,max=9223372036854775807,min=-9223372036854775808,zero=0,negzero=0}")
    }

    @Test func floats() throws {
        let doc = """
        flt1 = +1.0
        flt2 = 3.1415
        flt3 = -0.01
        flt4 = 5e+22
        flt5 = 1e06
        flt6 = -2E-2
        flt7 = 6.626e-34
        flt8 = 224_617.445_991_228
        sf1 = inf
        sf2 = +inf
        sf3 = -inf
        zero = -0.0
        """
        #expect(try parsed(doc) == "{flt1=f:1.0,flt2=f:3.1415,flt3=f:-0.01,flt4=f:5e+22,flt5=f:1000000.0,flt6=f:-0.02,flt7=f:6.626e-34,flt8=f:224617.445991228,sf1=f:inf,sf2=f:inf,sf3=f:-inf,zero=f:-0.0}")
        let nan = try TOMLParser.parse("a = nan\nb = +nan\nc = -nan")
        for key in ["a", "b", "c"] {
            #expect(nan[key]?.doubleValue?.isNaN == true)
        }
    }

    @Test func booleansAndDateTimes() throws {
        let doc = """
        t = true
        f = false
        odt1 = 1979-05-27T07:32:00Z
        odt2 = 1979-05-27T00:32:00-07:00
        odt3 = 1979-05-27T00:32:00.999999-07:00
        odt4 = 1979-05-27 07:32:00Z
        ldt1 = 1979-05-27T07:32:00
        ld1 = 1979-05-27
        lt1 = 07:32:00
        lt2 = 00:32:00.999999
        leap = 2024-02-29
        """
        #expect(try parsed(doc) == "{t=true,f=false,odt1=dt:1979-05-27T07:32:00Z,odt2=dt:1979-05-27T00:32:00-07:00,odt3=dt:1979-05-27T00:32:00.999999-07:00,odt4=dt:1979-05-27 07:32:00Z,ldt1=dt:1979-05-27T07:32:00,ld1=dt:1979-05-27,lt1=dt:07:32:00,lt2=dt:00:32:00.999999,leap=dt:2024-02-29}")
    }

    @Test func arrays() throws {
        let doc = """
        integers = [ 1, 2, 3 ]
        colors = [ "red", "yellow", "green" ]
        nested_arrays_of_ints = [ [ 1, 2 ], [3, 4, 5] ]
        nested_mixed_array = [ [ 1, 2 ], ["a", "b", "c"] ]
        string_array = [ "all", 'strings', \"\"\"are the same\"\"\", '''type''' ]
        numbers = [ 0.1, 0.2, 0.5, 1, 2, 5 ]
        contributors = [
          "Foo Bar <foo@example.com>",
          { name = "Baz Qux", email = "bazqux@example.com", url = "https://example.com/bazqux" }
        ]
        integers2 = [
          1, 2, 3 # a comment inside
        ]
        integers3 = [
          1,
          2, # this is ok
        ]
        empty = [ ]
        """
        #expect(try parsed(doc) == #"{integers=[1,2,3],colors=["red","yellow","green"],nested_arrays_of_ints=[[1,2],[3,4,5]],nested_mixed_array=[[1,2],["a","b","c"]],string_array=["all","strings","are the same","type"],numbers=[f:0.1,f:0.2,f:0.5,1,2,5],contributors=["Foo Bar <foo@example.com>",{name="Baz Qux",email="bazqux@example.com",url="https://example.com/bazqux"}],integers2=[1,2,3],integers3=[1,2],empty=[]}"#)
    }

    @Test func tables() throws {
        let doc = """
        [table-1]
        key1 = "some string"
        key2 = 123

        [table-2]
        key1 = "another string"
        key2 = 456

        [dog."tater.man"]
        type.name = "pug"

        [a.b.c]
        [ d.e.f ]
        [ g .  h  . i ]
        [ j . "ʞ" . 'l' ]
        """
        #expect(try parsed(doc) == #"{table-1={key1="some string",key2=123},table-2={key1="another string",key2=456},dog={tater.man={type={name="pug"}}},a={b={c={}}},d={e={f={}}},g={h={i={}}},j={ʞ={l={}}}}"#)
    }

    @Test func superTableAfterSubTableAndSubTablesOfDottedTables() throws {
        let doc = """
        [x.y.z.w]
        [x]
        a = 1

        [fruit]
        apple.color = "red"
        apple.taste.sweet = true
        [fruit.apple.texture]
        smooth = true
        """
        #expect(try parsed(doc) == #"{x={y={z={w={}}},a=1},fruit={apple={color="red",taste={sweet=true},texture={smooth=true}}}}"#)
    }

    @Test func inlineTables() throws {
        let doc = """
        name = { first = "Tom", last = "Preston-Werner" }
        point = { x = 1, y = 2 }
        animal = { type.name = "pug" }
        empty = {}
        nested = { a = { b = [1, { c = 2 }] } }
        """
        #expect(try parsed(doc) == #"{name={first="Tom",last="Preston-Werner"},point={x=1,y=2},animal={type={name="pug"}},empty={},nested={a={b=[1,{c=2}]}}}"#)
    }

    @Test func arraysOfTables() throws {
        let doc = """
        [[products]]
        name = "Hammer"
        sku = 738594937

        [[products]]  # empty table within the array

        [[products]]
        name = "Nail"
        sku = 284758393
        color = "gray"

        [[fruits]]
        name = "apple"
        [fruits.physical]
        color = "red"
        shape = "round"
        [[fruits.varieties]]
        name = "red delicious"
        [[fruits.varieties]]
        name = "granny smith"

        [[fruits]]
        name = "banana"
        [[fruits.varieties]]
        name = "plantain"
        """
        #expect(try parsed(doc) == #"{products=[{name="Hammer",sku=738594937},{},{name="Nail",sku=284758393,color="gray"}],fruits=[{name="apple",physical={color="red",shape="round"},varieties=[{name="red delicious"},{name="granny smith"}]},{name="banana",varieties=[{name="plantain"}]}]}"#)
    }

    @Test func crlfLineEndingsAndByteOrderMark() throws {
        let doc = "\u{FEFF}a = 1\r\n[t]\r\ns = \"\"\"x\r\ny\"\"\"\r\n# done\r\n"
        #expect(try parsed(doc) == #"{a=1,t={s="x\ny"}}"#)
        let t = try TOMLParser.parse(doc)
        #expect(t.entry("a")?.keyPosition == SourcePosition(line: 1, column: 1))
        #expect(t["t"]?.tableValue?["s"]?.position == SourcePosition(line: 3, column: 5))
    }

    @Test func positionsOfKeysValuesAndTables() throws {
        let doc = """
        # comment
        [modems]
          poll_interval = 10
        scan = [
          "/a",
            "/b",
        ]

        [[modem]]
        id = "x"
        """
        let t = try TOMLParser.parse(doc)
        let modems = try #require(t["modems"]?.tableValue)
        #expect(modems.position == SourcePosition(line: 2, column: 1))
        #expect(modems.entry("poll_interval")?.keyPosition == SourcePosition(line: 3, column: 3))
        #expect(modems["poll_interval"]?.position == SourcePosition(line: 3, column: 19))
        let scan = try #require(modems["scan"]?.arrayValue)
        #expect(scan.map(\.position) == [SourcePosition(line: 5, column: 3), SourcePosition(line: 6, column: 5)])
        let modem = try #require(t["modem"]?.arrayValue?.first?.tableValue)
        #expect(modem.position == SourcePosition(line: 9, column: 1))
        #expect(modem["id"]?.position == SourcePosition(line: 10, column: 6))
    }

    @Test func nestingUpToTheLimitIsAccepted() throws {
        let depth = TOMLParser.maximumNestingDepth
        let doc = "a = " + String(repeating: "[", count: depth) + String(repeating: "]", count: depth)
        var value = try #require(try TOMLParser.parse(doc)["a"])
        var levels = 0
        while let inner = value.arrayValue {
            levels += 1
            guard let first = inner.first else { break }
            value = first
        }
        #expect(levels == depth)
    }
}

@Suite("TOML: invalid documents name line, column and what was expected")
struct TOMLInvalidTests {
    @Test(arguments: [
        // Key/value syntax.
        ("key = # INVALID", "t.toml:1:7: expected a value, found '#'"),
        ("key =", "t.toml:1:6: expected a value, found end of file"),
        ("first = \"Tom\" last = \"Preston-Werner\"", "t.toml:1:15: expected end of line after value, found 'l'"),
        ("= \"no key name\"", "t.toml:1:1: expected a key, found '='"),
        ("[modems]\npoll_interval 10", "t.toml:2:15: expected '=' after key \"poll_interval\", found '1'"),
        ("a = 1\nkey2", "t.toml:2:5: expected '=' after key \"key2\", found end of file"),
        ("a.\"b c\" 1", "t.toml:1:9: expected '=' after key \"a.\\\"b c\\\"\", found '1'"),
        ("\"\"\"key\"\"\" = 1", "t.toml:1:1: multi-line strings cannot be used as keys"),
        ("a = true2", "t.toml:1:5: expected a value, found 'true2'"),
        ("a = yes", "t.toml:1:5: expected a value, found 'y'"),
        ("\"ʎǝʞ\" = 1 x", "t.toml:1:11: expected end of line after value, found 'x'"),
        ("a = 1\rb = 2", "t.toml:1:6: carriage return must be followed by a line feed"),
        ("# bell \u{07} in a comment", "t.toml:1:8: control character U+0007 is not allowed in a comment"),
        // Duplicates and redefinitions.
        ("name = \"Tom\"\nname = \"Pradyun\"", "t.toml:2:1: duplicate key \"name\": already defined at line 1"),
        ("spelling = \"favorite\"\n\"spelling\" = \"favourite\"", "t.toml:2:1: duplicate key \"spelling\": already defined at line 1"),
        ("fruit.apple = 1\nfruit.apple.smooth = true", "t.toml:2:7: key \"apple\" is already defined as integer at line 1"),
        ("[fruit]\napple = \"red\"\n[fruit]\norange = \"orange\"", "t.toml:3:1: table [fruit] is defined twice (first at line 1)"),
        ("[fruit]\napple = \"red\"\n[fruit.apple]\ntexture = \"smooth\"", "t.toml:3:8: key \"apple\" is already defined as string at line 2"),
        ("[fruit]\napple.color = \"red\"\n[fruit.apple]", "t.toml:3:1: table [fruit.apple] is already defined by dotted keys at line 2"),
        ("[product]\ntype = { name = \"Nail\" }\ntype.edible = false", "t.toml:3:1: inline table \"type\" (line 2) cannot be extended"),
        ("a = {}\n[a.b]", "t.toml:2:2: inline table \"a\" (line 1) cannot be extended"),
        ("[fruit.physical]\ncolor = \"red\"\n\n[[fruit]]\nname = \"apple\"", "t.toml:4:3: cannot define array of tables [[fruit]]: \"fruit\" is already a table (line 1)"),
        ("fruits = []\n[[fruits]]", "t.toml:2:3: key \"fruits\" is already defined as array at line 1"),
        ("[[fruits]]\n[[fruits.varieties]]\n[fruits.varieties]", "t.toml:3:1: cannot define table [fruits.varieties]: it is already an array of tables (line 2)"),
        ("[a.b.c]\nz = 9\n[a]\nb.c.t = 9", "t.toml:4:1: cannot add keys to table \"b\" with a dotted key: it is defined by a table header at line 1"),
        ("[[a]]\n[b]\na.x = 1\n[[a]]\n[a]", "t.toml:5:1: cannot define table [a]: it is already an array of tables (line 1)"),
        ("a = { b = 1, b = 2 }", "t.toml:1:14: duplicate key \"b\": already defined at line 1"),
        // Headers.
        ("[a]]", "t.toml:1:4: expected end of line after table header, found ']'"),
        ("[[a]", "t.toml:1:5: expected ']]' to close the array-of-tables header, found end of file"),
        ("[ [a] ]", "t.toml:1:3: expected a key, found '['"),
        ("[a\nb = 1", "t.toml:1:3: expected ']' to close the table header, found end of line"),
        // Inline tables and arrays.
        ("a = { b = 1, }", "t.toml:1:14: trailing comma is not allowed in an inline table"),
        ("a = { b = 1\n}", "t.toml:1:12: inline table must be on one line: expected ',' or '}', found end of line"),
        ("a = [1 2]", "t.toml:1:8: expected ',' or ']' in array, found '2'"),
        ("a = [,]", "t.toml:1:6: expected a value, found ','"),
        ("a = [1,\n2", "t.toml:2:2: expected ',' or ']' in array, found end of file"),
        // Strings.
        ("s = \"unterminated", "t.toml:1:18: unterminated string starting at 1:5"),
        ("s = \"one\ntwo\"", "t.toml:1:9: unterminated string starting at 1:5: newline before the closing '\"' (use \"\"\" for multi-line strings)"),
        ("s = \"a\\qb\"", "t.toml:1:7: invalid escape sequence \\'q' (valid: \\b \\t \\n \\f \\r \\\" \\\\ \\uXXXX \\UXXXXXXXX)"),
        ("s = \"\\uD800\"", "t.toml:1:6: escape \\u names U+D800, which is not a Unicode scalar value"),
        ("s = \"\\u12\"", "t.toml:1:6: escape \\u needs exactly 4 hex digits"),
        ("s = \"\\U00110000\"", "t.toml:1:6: escape \\U names U+110000, which is not a Unicode scalar value"),
        ("s = \"tab ok\tbell \u{07}\"", "t.toml:1:18: control character U+0007 is not allowed in a string; escape it"),
        ("s = 'a\u{7F}'", "t.toml:1:7: control character U+007F is not allowed in a string; escape it"),
        ("s = \"\"\"a\"\"\"\"\"\"", "t.toml:1:14: too many quotes: at most two may precede the closing delimiter"),
        ("s = '''open\n", "t.toml:2:1: unterminated multi-line string starting at 1:5"),
        // Numbers and date-times.
        ("a = 01", "t.toml:1:5: invalid number \"01\": leading zeros are not allowed"),
        ("a = 1__0", "t.toml:1:5: invalid number \"1__0\": expected digits, with '_' only between digits"),
        ("a = _1", "t.toml:1:5: expected a value, found '_'"),
        ("a = 1_", "t.toml:1:5: invalid number \"1_\": expected digits, with '_' only between digits"),
        ("a = 9223372036854775808", "t.toml:1:5: invalid number \"9223372036854775808\": does not fit in a 64-bit integer"),
        ("a = -9223372036854775809", "t.toml:1:5: invalid number \"-9223372036854775809\": does not fit in a 64-bit integer"),
        ("a = 0x8000000000000000", "t.toml:1:5: invalid number \"0x8000000000000000\": does not fit in a 64-bit integer"),
        ("a = -0x1", "t.toml:1:5: invalid number \"-0x1\": a sign is not allowed on hex, octal or binary integers"),
        ("a = 0xG", "t.toml:1:5: invalid number \"0xG\": expected base-16 digits, with '_' only between digits"),
        ("a = 0o8", "t.toml:1:5: invalid number \"0o8\": expected base-8 digits, with '_' only between digits"),
        ("a = 1.", "t.toml:1:5: invalid number \"1.\": expected digits after the decimal point"),
        ("a = .5", "t.toml:1:5: expected a value, found '.'"),
        ("a = 1e", "t.toml:1:5: invalid number \"1e\": expected digits in the exponent"),
        ("a = 03.14", "t.toml:1:5: invalid number \"03.14\": leading zeros are not allowed"),
        ("a = infinity", "t.toml:1:5: invalid number \"infinity\": expected digits, with '_' only between digits"),
        ("a = 1979-13-01", "t.toml:1:5: invalid date-time \"1979-13-01\" (RFC 3339, e.g. 1979-05-27T07:32:00Z, 1979-05-27 or 07:32:00)"),
        ("a = 1979-02-29", "t.toml:1:5: invalid date-time \"1979-02-29\" (RFC 3339, e.g. 1979-05-27T07:32:00Z, 1979-05-27 or 07:32:00)"),
        ("a = 25:00:00", "t.toml:1:5: invalid date-time \"25:00:00\" (RFC 3339, e.g. 1979-05-27T07:32:00Z, 1979-05-27 or 07:32:00)"),
        ("a = 07:32", "t.toml:1:5: invalid date-time \"07:32\" (RFC 3339, e.g. 1979-05-27T07:32:00Z, 1979-05-27 or 07:32:00)"),
        ("a = 1979-05-27T07:32:00+7:00", "t.toml:1:5: invalid date-time \"1979-05-27T07:32:00+7:00\" (RFC 3339, e.g. 1979-05-27T07:32:00Z, 1979-05-27 or 07:32:00)"),
    ])
    func rejects(_ input: String, _ expected: String) {
        #expect(parseError(input) == expected)
    }

    @Test func deepArrayNestingIsAnErrorNotACrash() {
        let doc = "a = " + String(repeating: "[", count: 100_000)
        #expect(parseError(doc) == "t.toml:1:37: arrays and inline tables nested more than 32 levels deep")
    }

    @Test func deepInlineTableNestingIsAnErrorNotACrash() {
        let doc = "a = " + String(repeating: "{b = ", count: 10_000)
        #expect(parseError(doc) == "t.toml:1:165: arrays and inline tables nested more than 32 levels deep")
    }

    @Test func longDottedKeysAreBounded() {
        let doc = "[" + Array(repeating: "k", count: 1000).joined(separator: ".") + "]"
        #expect(parseError(doc) == "t.toml:1:66: key has more than 32 dotted parts")
    }
}
