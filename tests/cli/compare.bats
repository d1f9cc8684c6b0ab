#!/usr/bin/env bats
# mlv compare: the side-by-side table byte for byte, --json, the errors
# (nothing printed, no HTML written), and the --html report: self-contained,
# every user string escaped, and rendered in headless Chromium -- no console
# errors, and a drawn chart with axes, legend and a line or points per run
# for every metric, checked in the browser's DOM.

load helper
load plumbing

A=aaaa0000000000000000000000000001
B=bbbb0000000000000000000000000002
C=cccc0000000000000000000000000003

setup() {
	mlv_setup
	export MLV_RUN_NO_PYTHON=1
	mlv init -q
}

teardown() {
	mlv_teardown
}

# Two training runs: loss and auc over 5 and 4 steps, one final value each.
two_runs() {
	MLV_TEST_RUN_ID=$A mlv run -n base -t stage=baseline -p lr=0.1 -p epochs=5 -- sh -c '
		for i in 0 1 2 3 4; do mlv log-metric --step $i loss=0.$((9 - i)) auc=0.6$i; done
		mlv log-metric final=0.64' 2>/dev/null
	MLV_TEST_RUN_ID=$B mlv run -n tuned -p lr=0.01 -p epochs=4 -- sh -c '
		for i in 0 1 2 3; do mlv log-metric --step $i loss=0.$((7 - i)) auc=0.7$i; done
		mlv log-metric final=0.73; exit 3' 2>/dev/null || true
}

# field RUN JQ: a member of a run's record
field() {
	mlv show --json "$1" | jq -r ".run | $2"
}

@test "compare: runs side by side, aligned; params, tags and latest metrics; - where a run lacks one" {
	two_runs
	run --separate-stderr mlv compare base tuned
	assert_status 0
	assert_eq "$stderr" ""
	sa=$(field base '.start[0:19]') sb=$(field tuned '.start[0:19]')
	da=$(field base .duration_ms) db=$(field tuned .duration_ms)
	# durations print as <n>ms below a second, <x.y>s below a minute (a
	# loaded machine can take over a second for these runs)
	[ "$da" -lt 60000 ]
	[ "$db" -lt 60000 ]
	da=$(awk -v m="$da" 'BEGIN { if (m < 1000) printf "%dms", m; else printf "%.1fs", m / 1000 }')
	db=$(awk -v m="$db" 'BEGIN { if (m < 1000) printf "%dms", m; else printf "%.1fs", m / 1000 }')
	expected=$(cat <<EOF
run       aaaa0000             bbbb0000
name      base                 tuned
status    0                    3
start     $sa  $sb
$(printf 'duration  %-19s  %s' "$da" "$db")
commit    -                    -
tags
  stage   baseline             -
params
  epochs  5                    4
  lr      0.1                  0.01
metrics (latest)
  auc     0.64                 0.73
  final   0.64                 0.73
  loss    0.5                  0.4
EOF
)
	assert_eq "$output" "$(sed 's/ *$//' <<<"$expected")"
}

@test "compare: one run; the order given is the column order; git commit and dirty" {
	git init -q . && git commit -q --allow-empty -m init
	MLV_TEST_RUN_ID=$A mlv run -n one -- true 2>/dev/null
	touch untracked && printf x >f && git add f
	MLV_TEST_RUN_ID=$B mlv run -n two -- sh -c 'kill -KILL $$' 2>/dev/null || true
	run --separate-stderr mlv compare two one
	assert_status 0
	head=$(git rev-parse HEAD)
	assert_eq "$(sed -n 1p <<<"$output")" "run       bbbb0000             aaaa0000"
	assert_eq "$(sed -n 3p <<<"$output")" "status    137 (signal 9)       0"
	assert_eq "$(sed -n 6p <<<"$output")" "commit    ${head:0:8} (dirty)     ${head:0:8}"
	run --separate-stderr mlv compare one
	assert_status 0
	assert_eq "$(sed -n 1p <<<"$output")" "run       aaaa0000"
	assert_eq "$(wc -l <<<"$output")" 6
}

@test "compare --json: each run in the order given, with its record's params, tags and metrics" {
	two_runs
	run --separate-stderr mlv compare --json tuned base
	assert_status 0
	assert_eq "$(jq -r .schema <<<"$output")" mlv.compare/1
	assert_eq "$(jq -c '[.runs[] | [.id, .name, .status, .commit, .dirty]]' <<<"$output")" \
		"[[\"$B\",\"tuned\",3,null,null],[\"$A\",\"base\",0,null,null]]"
	assert_eq "$(jq -c '.runs[1] | [.params, .tags]' <<<"$output")" '[{"epochs":"5","lr":"0.1"},{"stage":"baseline"}]'
	assert_eq "$(jq -c '.runs[0].tags' <<<"$output")" '{}'
	assert_eq "$(jq -c '.runs[1].metrics.loss | [.latest, .step, [.history[] | .[0:2]]]' <<<"$output")" \
		'[0.5,4,[[0,0.9],[1,0.8],[2,0.7],[3,0.6],[4,0.5]]]'
	assert_eq "$(jq -c '.runs[] | [.record, .start, .duration_ms]' <<<"$output" | head -1)" \
		"$(mlv show --json tuned | jq -c '[.record, .run.start, .run.duration_ms]')"
}

@test "compare: unknown, ambiguous or repeated runs are 128; nothing printed, no HTML written, files untouched" {
	two_runs
	MLV_TEST_RUN_ID=aaaa0000000000000000000000000009 mlv run -- true 2>/dev/null
	printf 'keep me\n' >old.html
	run --separate-stderr mlv compare --html new.html base nosuch
	assert_status 128
	assert_eq "$output" ""
	assert_eq "$stderr" "mlv: error: no run 'nosuch' (neither a run id nor a run name)"
	run --separate-stderr mlv compare --html old.html aaaa tuned
	assert_status 128
	assert_eq "$output" ""
	assert_eq "$stderr" "mlv: error: run prefix 'aaaa' is ambiguous: 2 runs match ($A, aaaa0000000000000000000000000009)"
	run --separate-stderr mlv compare --html old.html base $A
	assert_status 128
	assert_eq "$output" ""
	assert_eq "$stderr" "mlv: error: 'base' and '$A' are the same run (aaaa0000)"
	run --separate-stderr mlv compare --html nodir/r.html base tuned
	assert_status 128
	assert_eq "$output" ""
	[[ "$stderr" == "mlv: error: cannot write 'nodir/r.html': "* ]]
	assert_eq "$(cat old.html)" "keep me"
	assert_eq "$(ls)" "old.html"
	run --separate-stderr mlv compare
	assert_status 129
	[[ "$stderr" == "usage: mlv compare [--json] [--html <file>] <run>..."* ]]
	run --separate-stderr mlv compare --bogus base
	assert_status 129
	run mlv compare -h
	assert_status 129
	assert_eq "${lines[0]}" "usage: mlv compare [--json] [--html <file>] <run>..."
	assert_fsck_clean
}

# A third run whose name, params, tags and command hold markup, and whose
# metrics hold nan and a metric of its own.
nasty_run() {
	MLV_TEST_RUN_ID=$C mlv run -n '<b>"x" & '\''y'\''</b>' -p 'note=</td><script>alert(1)</script>' \
		-t 'who=<img src=x onerror=alert(1)>' -- sh -c ': "<script>"
		mlv log-metric --step 0 loss=0.95; mlv log-metric --step 1 loss=nan; mlv log-metric --step 2 loss=0.85
		mlv log-metric --step 3 loss=inf; mlv log-metric --step 4 loss=0.8
		mlv log-metric only/c=1 final=0.5' 2>/dev/null
}

@test "compare --html: one self-contained page; every user string escaped; written atomically" {
	two_runs
	nasty_run
	run --separate-stderr mlv compare --html report.html base tuned "$C"
	assert_status 0
	# the table is still printed
	assert_eq "${lines[0]}" "run       aaaa0000             bbbb0000             cccc0000"
	assert_eq "$(ls)" "report.html"
	# nothing from anywhere: no script, no external reference, and a policy that forbids loads
	! grep -Eqi '<script|https?://|<link|@import|url\(|<img|<iframe|<object' report.html
	grep -q "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">" report.html
	# the user strings, escaped
	grep -qF '&lt;b&gt;&quot;x&quot; &amp; &#39;y&#39;&lt;/b&gt;' report.html
	grep -qF '&lt;/td&gt;&lt;script&gt;alert(1)&lt;/script&gt;' report.html
	grep -qF '&lt;img src=x onerror=alert(1)&gt;' report.html
	grep -qF '<td class="mono">sh -c : &quot;&lt;script&gt;&quot;&#x240a;' report.html
	# one chart per metric, in name order
	assert_eq "$(grep -o '<svg data-metric="[^"]*"' report.html | cut -d'"' -f2 | tr '\n' ' ')" "auc final loss only/c "
	# a line per run that has the metric, a legend entry per run
	assert_eq "$(sed -n '/<svg data-metric="auc"/,/<\/svg>/p' report.html | grep -c '<g class="series"')" 2
	assert_eq "$(sed -n '/<svg data-metric="auc"/,/<\/svg>/p' report.html | grep -c '<g class="legend"')" 3
	grep -qF "no values</text>" report.html
	# nan and inf are not drawn, and said so
	grep -qF '(cccc0000): 2 values that are nan or inf are not drawn.</p>' report.html
	# hover values: a <title> per point
	grep -qF '<title>tuned (bbbb0000), step 3: 0.4</title>' report.html
	# the rows that differ are marked
	grep -q '<tr class="differs"><td class="mono">lr</td>' report.html
	# again, over the same file: replaced whole
	mlv compare --html report.html base >/dev/null
	assert_eq "$(grep -c '<svg data-metric=' report.html)" 3
	assert_eq "$(ls)" "report.html"
}

# render PAGE: load PAGE in headless Chromium inside a page whose script
# measures, in the browser's DOM after layout, every chart of it; print what
# it found as JSON lines to result.json and the browser's console messages
# to console.txt.
render() {
	cat >probe.html <<'EOF'
<!DOCTYPE html><html><body><pre id="out">not measured</pre>
<iframe id="f" width="1100" height="900"></iframe>
<script>
var f = document.getElementById('f');
f.onload = function () {
	var d = f.contentDocument, out = [];
	function box(e) { var b = e.getBBox(); return [Math.round(b.width), Math.round(b.height)]; }
	d.querySelectorAll('svg[data-metric]').forEach(function (s) {
		var r = s.getBoundingClientRect(), series = [];
		s.querySelectorAll('g.series').forEach(function (g) {
			var circles = g.querySelectorAll('circle'), drawn = 0;
			circles.forEach(function (c) { var b = box(c); if (b[0] > 0 && b[1] > 0) drawn++; });
			series.push({run: g.getAttribute('data-run'), path: box(g.querySelector('path')),
				colour: g.querySelector('path').getAttribute('stroke'), points: circles.length, drawn: drawn,
				titles: g.querySelectorAll('circle > title').length});
		});
		out.push(JSON.stringify({metric: s.getAttribute('data-metric'), w: Math.round(r.width), h: Math.round(r.height),
			legend: Array.prototype.map.call(s.querySelectorAll('g.legend text'), function (t) { return t.textContent; }),
			xticks: s.querySelectorAll('text.xtick').length, yticks: s.querySelectorAll('text.ytick').length,
			labels: Array.prototype.map.call(s.querySelectorAll('text.axis-label'), function (t) { return t.textContent; }),
			series: series}));
	});
	document.getElementById('out').textContent = 'RESULT\n' + out.join('\n') + '\nEND';
};
f.src = location.hash.slice(1);
</script></body></html>
EOF
	local profile
	profile=$(mktemp -d)
	timeout 120 chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
		--disable-background-networking --disable-component-update --disable-sync \
		--user-data-dir="$profile" --allow-file-access-from-files --enable-logging=stderr --v=0 \
		--virtual-time-budget=10000 --dump-dom "file://$PWD/probe.html#$1" >dom.html 2>chromium.log
	local st=$?
	rm -rf "$profile"
	[ "$st" -eq 0 ] || { echo "chromium exited $st" >&2; cat chromium.log >&2; return 1; }
	sed -n '/<pre id="out">RESULT$/,/^END<\/pre>/p' dom.html | sed '1d;$d' |
		sed 's/&lt;/</g; s/&gt;/>/g; s/&amp;/\&/g' >result.json
	grep ':CONSOLE' chromium.log >console.txt || true
}

@test "compare --html: in headless Chromium the page loads without console errors and every metric has its drawn chart" {
	if ! command -v chromium >/dev/null 2>&1; then
		skip "chromium is not installed (scripts/install-deps installs it): the page was not rendered"
	fi
	two_runs
	nasty_run
	mlv compare --html report.html base tuned "$C" >/dev/null
	# the check itself can fail: a page that loads something is caught
	sed 's|</body>|<img src="http://example.invalid/x.png"></body>|' report.html >bad.html
	render bad.html
	grep -q 'example.invalid' console.txt
	render report.html
	assert_eq "$(cat console.txt)" ""
	# every metric has its chart, laid out with a size, axes with ticks, the step axis labelled
	assert_eq "$(jq -r .metric result.json | tr '\n' ' ')" "auc final loss only/c "
	assert_eq "$(jq -c 'select(.w < 300 or .h < 150 or .xticks < 1 or .yticks < 3) | .metric' result.json)" ""
	# steps 0..4: a tick on each; a single step: one tick, under the points
	assert_eq "$(jq -c '[.metric, .xticks]' result.json | tr '\n' ' ')" '["auc",5] ["final",1] ["loss",5] ["only/c",1] '
	assert_eq "$(jq -c '[.labels[0], .labels[1]]' result.json | sort -u)" '["auc","step"]
["final","step"]
["loss","step"]
["only/c","step"]'
	# a legend naming each run, in every chart
	assert_eq "$(jq -c 'select(.metric == "auc") | .legend' result.json)" \
		'["base (aaaa0000)","tuned (bbbb0000)","<b>\"x\" & '\''y'\''</b> (cccc0000) — no values"]'
	# auc: two lines with distinct colours, each point drawn and with its value on hover
	assert_eq "$(jq -c 'select(.metric == "auc") | [.series[] | [.run, .points, .drawn, .titles]]' result.json)" \
		'[["aaaa0000",5,5,5],["bbbb0000",4,4,4]]'
	assert_eq "$(jq -c 'select(.metric == "auc") | [.series[] | .path[0] > 100 and .path[1] > 10] | all' result.json)" true
	assert_eq "$(jq -r 'select(.metric == "auc") | [.series[].colour] | unique | length' result.json)" 2
	# final: a single step per run is still drawn, as points
	assert_eq "$(jq -c 'select(.metric == "final") | [.series[] | [.run, .points, .drawn]]' result.json)" \
		'[["aaaa0000",1,1],["bbbb0000",1,1],["cccc0000",1,1]]'
	# loss: the third run's nan and inf are left out, the other three points drawn
	assert_eq "$(jq -c 'select(.metric == "loss") | [.series[] | [.run, .points, .drawn]]' result.json)" \
		'[["aaaa0000",5,5],["bbbb0000",4,4],["cccc0000",3,3]]'
	assert_eq "$(jq -c 'select(.metric == "only/c") | [.series[] | .run]' result.json)" '["cccc0000"]'
}

@test "compare --html: a metric whose values are all nan still gets its chart, saying so" {
	MLV_TEST_RUN_ID=$A mlv run -n x -- mlv log-metric bad=nan 2>/dev/null
	run --separate-stderr mlv compare --html r.html x
	assert_status 0
	assert_eq "$(grep -c '<svg data-metric="bad"' r.html)" 1
	grep -qF 'no finite values to draw' r.html
	grep -qF 'x (aaaa0000): 1 value that is nan or inf is not drawn.' r.html
}

@test "compare --html: a long history is drawn whole; every k-th point and the last carry the hover value" {
	{ echo step,key,value; for i in $(seq 0 999); do echo "$i,loss,$((1000 - i))"; done; } >m.csv
	MLV_TEST_RUN_ID=$A mlv run -n long --metrics m.csv -- true 2>/dev/null
	mlv compare --html r.html long >/dev/null
	chart=$(sed -n '/<svg data-metric="loss"/,/<\/svg>/p' r.html)
	# 1000 points on the line: a move and 999 line-tos
	assert_eq "$(grep -o '<path class="line" d="[^"]*"' <<<"$chart" | grep -o ' L' | wc -l)" 999
	# ceil(1000 / 400) = 3: points 0, 3, ..., 999
	assert_eq "$(grep -c '<circle [^/]*><title>' <<<"$chart")" 334
	grep -qF '<title>long (aaaa0000), step 999: 1</title>' <<<"$chart"
}
