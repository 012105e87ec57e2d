package vtl

import (
	"errors"
	"strings"
	"testing"
)

func render(t *testing.T, tmpl, body string) (string, error) {
	t.Helper()
	tm, err := Parse(tmpl)
	if err != nil {
		return "", err
	}
	in := &Input{Body: []byte(body), Path: NewMap(), QueryString: NewMap(), Header: NewMap()}
	in.Path.Set("petId", "42")
	in.QueryString.Set("type", "dog")
	in.QueryString.Set("page", "2")
	in.Header.Set("Content-Type", "application/json")
	in.Header.Set("X-Name", `O'Brien "the" /cat`)
	ctx := NewMap()
	ctx.Set("stage", "test")
	ctx.Set("httpMethod", "POST")
	id := NewMap()
	id.Set("sourceIp", "192.0.2.1")
	ctx.Set("identity", id)
	sv := NewMap()
	sv.Set("env", "dev")
	return tm.Render(Vars{Input: in, Context: ctx, StageVariables: sv}, DefaultLimits)
}

func TestLanguage(t *testing.T) {
	body := `{"name":"Fido","tags":["a","b","c"],"n":3,"f":1.5,"ok":true,"nested":{"x":{"y":"deep"}},"items":[{"id":1,"price":10},{"id":2,"price":25}],"empty":[]}`
	cases := []struct{ name, tmpl, want string }{
		{"text", "plain text", "plain text"},
		{"ref", "$context.stage", "test"},
		{"brace", "${context.stage}x", "testx"},
		{"quiet", "[$!missing]", "[]"},
		{"null renders empty", "[$missing][$missing.x.y()]", "[][]"},
		{"escaped ref", `\$context.stage`, "$context.stage"},
		{"double backslash", `\\$context.stage`, `\test`},
		{"dollar text", "costs $5 and $ alone and $.", "costs $5 and $ alone and $."},
		{"line comment", "a## comment\nb", "ab"},
		{"block comment", "a#* x\ny *#b", "ab"},
		{"unparsed", "#[[$context.stage #if]]#", "$context.stage #if"},
		{"hash text", "# heading and #1 and #notadirective", "# heading and #1 and #notadirective"},
		{"set", "#set($x = 'v')$x", "v"},
		{"set gobbles newline", "#set($x = 1)\n$x", "1"},
		{"set line vanishes", "a\n    #set($x = 1)\n  $x", "a\n  1"},
		{"set null keeps", "#set($x = 1)#set($x = $nope)$x", "1"},
		{"set map prop", "#set($m = {})#set($m.k = 'v')$m.k $m", "v {k=v}"},
		{"set context", "#set($context.responseOverride = {})#set($context.responseOverride.status = 400)$context.responseOverride.status", "400"},
		{"if", "#if($context.stage == 'test')yes#else no#end", "yes"},
		{"elseif", "#if($n == 1)one#elseif($n == 2)two#{else}other#end", "other"},
		{"if null", "#if($nope)a#{else}b#end", "b"},
		{"if empty string true", "#if('')a#{else}b#end", "a"},
		{"and or not", "#if(true && !false || false)y#end#if(true and not false)z#end", "yz"},
		{"compare", "#if(1 < 2 && 2 >= 2 && 3 > 1 && 1 <= 1 && 1 != 2 && 2 lt 3 && 3 gt 2)ok#end", "ok"},
		{"arith", "#set($a = 7)#set($b = 2)${a}+${b}: $a, #set($c = $a + $b)$c #set($c = $a - $b)$c #set($c = $a * $b)$c #set($c = $a / $b)$c #set($c = $a % $b)$c", "7+2: 7,951431"},
		{"float", "#set($f = 1.5 * 2)$f", "3.0"},
		{"div zero", "#set($x = 'kept')#set($x = 1 / 0)$x", "kept"},
		{"concat", "#set($s = 'a' + 1)$s", "a1"},
		{"foreach", "#foreach($t in $input.path('$.tags'))$t$foreach.index$foreach.count$velocityCount#if($foreach.hasNext),#end#end", "a011,b122,c233"},
		{"foreach restores", "#set($t = 'x')#foreach($t in [1,2])#end$t", "x"},
		{"foreach break", "#foreach($i in [1..10])$i#if($i == 3)#break#end#end", "123"},
		{"foreach map values", "#foreach($v in {'a':1,'b':2})$v#end", "12"},
		{"foreach nested", "#foreach($a in [1,2])#foreach($b in ['x','y'])$a$b$foreach.count #end$foreach.count|#end", "1x1 1y2 1|2x1 2y2 2|"},
		{"range down", "#foreach($i in [3..1])$i#end", "321"},
		{"stop", "a#stop b", "a"},
		{"list", "#set($l = [1, 'two', [3]])$l $l.size() $l.get(1) $l[2][0] $l[-1]", "[1, two, [3]] 3 two 3 [3]"},
		{"list add", "#set($l = [])#set($d = $l.add('x'))$l.add('y') $l", "true [x, y]"},
		{"map", "#set($m = {'a': 1, \"b\": 'two'})$m.a $m.get('b') $m['a'] $m.size() $m.keySet() $m.containsKey('a')", "1 two 1 2 [a, b] true"},
		{"map put", "#set($m = {})#set($_ = $m.put('k', 'v'))$m", "{k=v}"},
		{"interpolated string", "#set($s = \"stage=${context.stage}/$context.httpMethod\")$s", "stage=test/POST"},
		{"single quotes literal", "#set($s = '$context.stage')$s", "$context.stage"},
		{"doubled quote", `#set($s = "say ""hi""")$s`, `say "hi"`},
		{"string methods", "#set($s = ' Hello World ')$s.trim().length() $s.trim().toLowerCase() $s.toUpperCase().trim() $s.indexOf('o') $s.trim().substring(0, 5) $s.trim().substring(6)", "11 hello world HELLO WORLD 5 Hello World"},
		{"string predicates", "#set($s = 'abc')$s.startsWith('a') $s.endsWith('c') $s.contains('b') $s.equals('abc') $s.isEmpty() $s.equalsIgnoreCase('ABC')", "true true true true false true"},
		{"replaceAll", "#set($s = 'a-b-c')$s.replaceAll('-', '+') $s.replaceAll('(\\w)-', '$1=') $s.replace('-', '')", "a+b+c a=b=c abc"},
		{"replaceAll quote fix", "$util.escapeJavaScript(\"it's\").replaceAll(\"\\\\'\",\"'\")", "it's"},
		{"split", "#set($p = 'a,b,,c,,')$p.split(',') $p.split(',').size()", "[a, b, , c] 4"},
		{"split foreach", "#set($s = 'x y z')#foreach($x in $s.split(' '))[$x]#end", "[x][y][z]"},
		{"unicode length", "#set($s = 'h\u00e9\U0001F600')$s.length() $s.substring(1, 2)", "4 \u00e9"},
		{"property getter", "$input.body.length()", "149"},
		{"input.json", "$input.json('$.nested')|$input.json('$.name')|$input.json('$.n')|$input.json('$')", `{"x":{"y":"deep"}}|"Fido"|3|` + body},
		{"input.path", "$input.path('$.nested.x.y') $input.path('$.tags[1]') $input.path('$.tags').size() $input.path('$.n') $input.path('$.f') $input.path('$.ok')", "deep b 3 3 1.5 true"},
		{"jsonpath bracket", "$input.path(\"$['nested']['x']['y']\") $input.path('$.items[*].id') $input.path('$..price') $input.path('$.tags[0:2]') $input.path('$.tags[-1]')", "deep [1, 2] [10, 25] [a, b] c"},
		{"jsonpath no dollar", "$input.path('nested.x.y')", "deep"},
		{"jsonpath missing", "[$input.path('$.nope')][$input.json('$.nope.x')]", "[][]"},
		{"jsonpath wildcard map", "$input.path('$.nested.*')", "[{y=deep}]"},
		{"path map", "$input.path('$.nested')", "{x={y=deep}}"},
		{"params one", "$input.params('petId') $input.params('type') $input.params('content-type') [$input.params('nope')]", "42 dog application/json []"},
		{"params all", "$input.params()", "{path={petId=42}, querystring={type=dog, page=2}, header={Content-Type=application/json, X-Name=O'Brien \"the\" /cat}}"},
		{"params sections", "$input.params().path $input.params().querystring.keySet() $input.params().header.get('X-Name')", "{petId=42} [type, page] O'Brien \"the\" /cat"},
		{"escapeJavaScript", "$util.escapeJavaScript($input.params('X-Name'))", `O\'Brien \"the\" \/cat`},
		{"escapeJavaScript ctl", "$util.escapeJavaScript(\"a\u0001\n\u00e9\")", `a\u0001\n\u00E9`},
		{"parseJson", "#set($o = $util.parseJson('{\"a\":[1,2],\"b\":{\"c\":\"d\"}}'))$o.a.size() $o.b.c $o", "2 d {a=[1, 2], b={c=d}}"},
		{"urlEncode", "$util.urlEncode('a b&c=d/é~*')", "a+b%26c%3Dd%2F%C3%A9%7E*"},
		{"urlDecode", "$util.urlDecode('a+b%26c')", "a b&c"},
		{"base64", "$util.base64Encode('hello') $util.base64Decode('aGVsbG8=')", "aGVsbG8= hello"},
		{"util null", "[$util.escapeJavaScript($nope)]", "[]"},
		{"stageVariables", "$stageVariables.env ${stageVariables.env}", "dev dev"},
		{"stageVariables index", "$stageVariables['env'] ${stageVariables['env']}", "dev dev"},
		{"count", "$input.path('$.tags').count()", "3"},
		{"context nested", "$context.identity.sourceIp", "192.0.2.1"},
		{"macro", "#macro(greet $who)Hi $who!#end#greet('Bob') #greet($context.stage)", "Hi Bob! Hi test!"},
		{"velocityHasNext", "#foreach($i in [1,2])$i#if($velocityHasNext),#end#end", "1,2"},
		{"hyphen ident", "#set($a-b = 'x')$a-b", "x"},
		{"index on map by var", "#set($k = 'name')$input.path('$')[$k]", "Fido"},
		{"equals number string", "#if($input.path('$.n') == 3)num#end#if($input.params('page') == 2)str#end", "numstr"},
		{"toString", "$input.path('$.n').toString() $input.path('$.ok').toString()", "3 true"},
		{"foreach on path object", "#foreach($it in $input.path('$.items'))$it.id=$it.price;#end", "1=10;2=25;"},
		{"foreach over empty", "#foreach($x in $input.path('$.empty'))x#end.", "."},
		{"if size", "#if($input.path('$.tags').size() > 2)many#end", "many"},
		{"brace set", "#{set}($x = 'y')$x", "y"},
		{"directive indented", "[\n  #if(true)\n  in\n  #end\n]", "[\n    in\n  ]"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := render(t, c.tmpl, body)
			if err != nil {
				t.Fatalf("error: %v", err)
			}
			if got != c.want {
				t.Errorf("got  %q\nwant %q", got, c.want)
			}
		})
	}
}

func TestErrors(t *testing.T) {
	cases := []struct{ name, tmpl, body string }{
		{"unclosed if", "#if(true)x", "{}"},
		{"stray end", "x#end", "{}"},
		{"bad set", "#set(x = 1)", "{}"},
		{"bad expr", "#if(1 +)x#end", "{}"},
		{"unterminated string", "#set($x = 'abc)", "{}"},
		{"substring range", "#set($s = 'abc')$s.substring(2, 1)", "{}"},
		{"list index", "#set($l = [1])$l.get(5)", "{}"},
		{"bad regex", "#set($s = 'abc')$s.replaceAll('(', 'x')", "{}"},
		{"parseJson", "$util.parseJson('{nope')", "{}"},
		{"base64", "$util.base64Decode('!!!')", "{}"},
		{"filter", "$input.path('$.a[?(@.b)]')", "{}"},
		{"body not json", "$input.json('$')", "not json"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got, err := render(t, c.tmpl, c.body); err == nil {
				t.Fatalf("no error, output %q", got)
			}
		})
	}
	_, err := render(t, "$input.path('$.a')", "{bad")
	var be *BodyError
	if !errors.As(err, &be) {
		t.Fatalf("want a BodyError, got %v", err)
	}
}

func TestBudgets(t *testing.T) {
	lim := Limits{MaxSteps: 100000, MaxOutput: 1 << 16, MaxBytes: 1 << 20, MaxIteration: 1000, MaxRange: 10000}
	run := func(tmpl string) (string, error) {
		tm, err := Parse(tmpl)
		if err != nil {
			return "", err
		}
		return tm.Render(Vars{}, lim)
	}
	// #foreach stops at 1000 iterations, as API Gateway does.
	out, err := run("#foreach($i in [1..5000])x#end")
	if err != nil || len(out) != 1000 {
		t.Fatalf("foreach cap: len %d err %v", len(out), err)
	}
	for name, tmpl := range map[string]string{
		"nested loops":    "#foreach($a in [1..1000])#foreach($b in [1..1000])#foreach($c in [1..1000])#end#end#end",
		"output":          "#foreach($a in [1..1000])#foreach($b in [1..1000])xxxxxxxx#end#end",
		"string doubling": "#set($s = 'xxxxxxxxxxxxxxxx')#foreach($i in [1..100])#set($s = \"$s$s\")#end$s.length()",
		"huge range":      "#set($r = [1..2000000000])",
		"list growth":     "#set($l = [1])#foreach($i in [1..1000])#set($_ = $l.addAll($l))#end",
		"recursive macro": "#macro(r $n)#r($n)#end#r(1)",
		"split bomb":      "#set($s = 'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx')#foreach($i in [1..12])#set($s = \"$s$s\")#end#set($p = $s.split(''))",
		"replaceAll bomb": "#set($s = 'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx')#foreach($i in [1..12])#set($s = \"$s$s\")#end#set($p = $s.replaceAll('', 'yyyyyyyy'))",
		"replace growth":  "#set($s = 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa')#foreach($i in [1..40])#set($s = $s.replaceAll('a', 'aa'))#end",
	} {
		t.Run(name, func(t *testing.T) {
			_, err := run(tmpl)
			if err == nil {
				t.Fatal("no error")
			}
			if !errors.Is(err, ErrBudget) && !strings.Contains(err.Error(), "too deep") {
				t.Fatalf("want a budget error, got %v", err)
			}
			if testing.Verbose() {
				t.Log(err)
			}
		})
	}
}

func TestParseDepth(t *testing.T) {
	deep := strings.Repeat("#if(true)", 10000) + strings.Repeat("#end", 10000)
	if _, err := Parse(deep); err == nil {
		t.Fatal("no error for 10000 nested #if")
	}
	if _, err := Parse(strings.Repeat("(", 10000)); err != nil {
		t.Fatal("parens in text are text:", err)
	}
	if _, err := Parse("#set($x = " + strings.Repeat("(", 10000) + ")"); err == nil {
		t.Fatal("no error for deep parens")
	}
}
