#!/usr/bin/env python3
"""Opens lockstep's HTML report and its web UI (`lockstep serve`) in headless
Chromium through WebDriver and checks, in a real browser, that hostile posts
are shown as text and run nothing: no dialog opens, no injected element
exists, the payloads are visible literally, and the console has no error
(a Content-Security-Policy violation is one). In the UI it clicks through
as an analyst would: a cluster, a node of the graph, a partner (the edge's
evidence), a search, a CSV download.

A WebDriver client in the standard library (the protocol is JSON over
HTTP), so the test needs chromium and chromium-driver and nothing else.
Screenshots go to the artefact folder.

    scripts/browser_test.py RUN_DIR ARTEFACT_DIR [LOCKSTEP_BINARY]

RUN_DIR is a `lockstep detect` output folder with report.html in it; with
LOCKSTEP_BINARY the UI is tested too (the script starts and stops
`lockstep serve`).
"""

import base64
import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class WebDriver:
    def __init__(self, port):
        self.base = f"http://127.0.0.1:{port}"
        caps = {
            "capabilities": {
                "alwaysMatch": {
                    "browserName": "chrome",
                    "goog:chromeOptions": {
                        "binary": "/usr/bin/chromium",
                        "args": [
                            "--headless",
                            "--no-sandbox",
                            "--disable-gpu",
                            "--disable-background-networking",
                            "--window-size=1280,2000",
                        ],
                    },
                    "goog:loggingPrefs": {"browser": "ALL"},
                    "unhandledPromptBehavior": "ignore",
                }
            }
        }
        self.session = self.call("POST", "/session", caps)["sessionId"]

    def call(self, method, path, body=None):
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(
            self.base + path, data=data, method=method, headers={"Content-Type": "application/json"}
        )
        try:
            with urllib.request.urlopen(req, timeout=60) as r:
                return json.load(r)["value"]
        except urllib.error.HTTPError as e:
            return {"error": json.load(e)["value"].get("error", "unknown")}

    def s(self, method, path, body=None):
        return self.call(method, f"/session/{self.session}{path}", body)

    def js(self, script):
        return self.s("POST", "/execute/sync", {"script": script, "args": []})


def check(cond, what):
    if not cond:
        raise SystemExit(f"browser test failed: {what}")
    print(f"ok: {what}")


def main():
    report_dir, artefacts = sys.argv[1], sys.argv[2]
    binary = sys.argv[3] if len(sys.argv) > 3 else None
    os.makedirs(artefacts, exist_ok=True)
    report = os.path.abspath(os.path.join(report_dir, "report.html"))
    port = free_port()
    driver = subprocess.Popen(
        ["chromedriver", f"--port={port}"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/status", timeout=1)
                break
            except OSError:
                time.sleep(0.1)
        wd = WebDriver(port)
        try:
            run(wd, report, artefacts)
            if binary:
                serve_and_test(wd, binary, report_dir, artefacts)
        finally:
            wd.call("DELETE", f"/session/{wd.session}")
    finally:
        driver.terminate()
        driver.wait()


def run(wd, report, artefacts):
    wd.s("POST", "/url", {"url": "file://" + report})
    # A dialog would be open now if anything had run alert().
    no_dialog(wd)
    check(wd.js("return document.title") == "lockstep report", "the report loaded")
    counts = wd.js(
        "return {scripts: document.scripts.length, images: document.images.length,"
        " iframes: document.querySelectorAll('iframe,object,embed').length,"
        " handlers: [...document.querySelectorAll('*')].filter(e => [...e.attributes]"
        ".some(a => a.name.startsWith('on'))).length,"
        " jslinks: [...document.querySelectorAll('a')].filter(a => a.href.startsWith('javascript')).length}"
    )
    check(counts == {"scripts": 0, "images": 0, "iframes": 0, "handlers": 0, "jslinks": 0},
          f"no injected element, handler or javascript: link ({counts})")
    text = wd.js("return document.body.innerText")
    check("<script>alert(1)</script>" in text, "the <script> payload is shown as text")
    check("<img src=x onerror=alert(1)>" in text, "the <img onerror> payload is shown as text")
    check("evil[U+202E]gnp.exe" in text, "the right-to-left override is shown, not obeyed")
    sections = wd.js("return [...document.querySelectorAll('h2')].map(h => h.textContent)")
    check(sections[:2] == ["Summary", "Clusters, by campaign score"] and len(sections) >= 4
          and sections[-1] == "Appendix: inputs, parameters and counts",
          f"the sections are there ({sections})")
    first_page = wd.js("return document.getElementById('summary').innerText")
    check("What this cannot say" in first_page and "<script>" not in wd.js(
        "return document.getElementById('summary').innerHTML"),
          "the first page is there, its text inert")
    svgs = wd.js("return document.querySelectorAll('section.cluster svg').length")
    check(svgs >= 3, f"each cluster has its drawings ({svgs} SVG)")
    # Click through to a cluster from the ranking, as a reader would.
    link = wd.s("POST", "/element", {"using": "css selector", "value": "#clusters a"})
    element = next(iter(link.values()))
    wd.s("POST", f"/element/{element}/click", {})
    check(wd.js("return location.hash").startswith("#cluster-"), "the ranking links to a cluster")
    shot = wd.s("GET", "/screenshot")
    with open(os.path.join(artefacts, "report-cluster.png"), "wb") as f:
        f.write(base64.b64decode(shot))
    no_console_errors(wd)
    print(f"screenshot: {os.path.join(artefacts, 'report-cluster.png')}")


def no_console_errors(wd):
    logs = wd.s("POST", "/se/log", {"type": "browser"})
    errors = [l for l in logs if isinstance(l, dict) and l.get("level") == "SEVERE"]
    check(not errors, f"no console error ({errors})")


def no_dialog(wd):
    alert = wd.s("GET", "/alert/text")
    check(isinstance(alert, dict) and alert.get("error") == "no such alert", "no dialog opened")


def screenshot(wd, artefacts, name):
    shot = wd.s("GET", "/screenshot")
    path = os.path.join(artefacts, name)
    with open(path, "wb") as f:
        f.write(base64.b64decode(shot))
    print(f"screenshot: {path}")


def wait_for(wd, script, what, timeout=30):
    """Polls a JS expression until it is truthy; returns its value."""
    end = time.time() + timeout
    while time.time() < end:
        value = wd.js("return " + script)
        if value and not (isinstance(value, dict) and "error" in value):
            return value
        time.sleep(0.1)
    raise SystemExit(f"browser test failed: timed out waiting for {what}")


def click_css(wd, css):
    found = wd.s("POST", "/element", {"using": "css selector", "value": css})
    check(isinstance(found, dict) and "error" not in found, f"found `{css}`")
    wd.s("POST", f"/element/{next(iter(found.values()))}/click", {})


def click_at(wd, x, y):
    """A real mouse click at page coordinates (the graph is a canvas)."""
    pointer = [
        {"type": "pointerMove", "duration": 0, "x": int(x), "y": int(y), "origin": "viewport"},
        {"type": "pointerDown", "button": 0},
        {"type": "pointerUp", "button": 0},
    ]
    wd.s("POST", "/actions", {"actions": [
        {"type": "pointer", "id": "mouse", "parameters": {"pointerType": "mouse"}, "actions": pointer}
    ]})
    wd.s("DELETE", "/actions")


def serve_and_test(wd, binary, run_dir, artefacts):
    server = subprocess.Popen(
        [binary, "serve", run_dir, "--port", "0", "--quiet"],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
    )
    try:
        first = server.stdout.readline().strip()
        check(first.startswith("lockstep serve: http://127.0.0.1:"), f"the server is up ({first})")
        url = first.split(": ", 1)[1]
        test_ui(wd, url, artefacts)
    finally:
        server.terminate()
        server.wait()


def test_ui(wd, url, artefacts):
    wd.s("POST", "/url", {"url": url})
    check(wd.js("return document.title") == "lockstep", "the UI loaded")
    rows = wait_for(wd, "document.querySelectorAll('#cluster-list tbody tr').length", "the cluster list")
    check(rows >= 2, f"the cluster list has the clusters ({rows})")
    no_dialog(wd)
    # The filters work: no cluster has 1,000 accounts.
    wd.js("const f = document.getElementById('f-size'); f.value = '1000';"
          " f.dispatchEvent(new Event('change'))")
    wait_for(wd, "document.querySelectorAll('#cluster-list tbody tr').length === 0", "the filter")
    wd.js("const f = document.getElementById('f-size'); f.value = '0';"
          " f.dispatchEvent(new Event('change'))")
    wait_for(wd, "document.querySelectorAll('#cluster-list tbody tr').length >= 2", "the filter undone")
    check(True, "the size filter empties and refills the cluster list")

    # A cluster: its graph, timeline and tables.
    click_css(wd, "#cluster-list tbody tr")
    status = wait_for(wd, "document.getElementById('graph-status').textContent", "the graph")
    check(status == "2 accounts, 1 edges", f"the graph is drawn ({status})")
    check(wd.js("return document.querySelectorAll('#graph canvas').length") > 0, "sigma drew on canvases")
    check(wd.js("return location.hash").startswith("#cluster="), "the cluster is in the URL")
    wait_for(wd, "document.querySelector('#timeline svg rect')", "the timeline")
    members = wait_for(wd, "document.querySelector('[data-kind=members]') &&"
                       " document.querySelector('[data-kind=members]').innerText", "the accounts table")
    check('"><img src=x onerror=alert(1)>' in members, "a hostile account name is shown as text")
    check("evil[U+202E]gnp.exe" in members, "the right-to-left override is shown, not obeyed")
    screenshot(wd, artefacts, "ui-cluster.png")

    # Click a node of the graph: the account's panel.
    node = wd.js("return window.lockstepUI.graph.nodes()[0]")
    pos = wd.js(f"return window.lockstepUI.nodePosition({json.dumps(node)})")
    click_at(wd, pos["x"], pos["y"])
    heading = wait_for(wd, "document.querySelector('#detail h2') &&"
                       " document.querySelector('#detail h2').textContent.startsWith('Account') &&"
                       " document.querySelector('#detail h2').textContent", "the account panel")
    check(heading == "Account " + node, f"clicking a node opens its account ({heading!r})")
    tables = wd.js("return [...document.querySelectorAll('#detail .table')].map(t => t.dataset.kind)")
    check(tables == ["partners", "items", "actions"], f"the account shows partners, items, actions ({tables})")
    screenshot(wd, artefacts, "ui-account.png")

    # A partner row: the edge and its evidence pairs.
    click_css(wd, "#detail [data-kind=partners] tbody tr")
    evidence = wait_for(wd, "document.querySelectorAll('#detail [data-kind=evidence] tbody tr').length",
                        "the evidence table")
    check(evidence == 2, f"the edge shows its evidence pairs ({evidence})")
    text = wd.js("return document.getElementById('detail').innerText")
    check("javascript:alert(1)" in text or "obj4" in text, "the evidence names the shared objects")

    # Search by item.
    wd.js("document.getElementById('q').value = 'obj'")
    click_css(wd, "#search button")
    found = wait_for(wd, "document.querySelectorAll('#detail [data-kind=search] tbody tr').length >= 2 &&"
                     " document.getElementById('detail').innerText", "the search results")
    check("obj2" in found and "obj4" in found, "search finds items")

    # A CSV download link gives the table as CSV.
    csv = wd.js("const a = document.querySelector('#cluster-tables a.csv');"
                " return fetch(a.href).then(r => r.text().then(t => [r.headers.get('content-type'), t]))")
    if isinstance(csv, dict) and "error" in csv:
        csv = wd.s("POST", "/execute/async", {"script": "const done = arguments[0];"
                   " const a = document.querySelector('#cluster-tables a.csv');"
                   " fetch(a.href).then(r => r.text().then(t => done([r.headers.get('content-type'), t])))",
                   "args": []})
    check(csv[0].startswith("text/csv") and csv[1].count("\n") >= 2, f"a table downloads as CSV ({csv[0]})")

    no_dialog(wd)
    counts = wd.js(
        "return {scripts: document.scripts.length, images: document.images.length,"
        " handlers: [...document.querySelectorAll('*')].filter(e => [...e.attributes]"
        ".some(a => a.name.startsWith('on'))).length,"
        " jslinks: [...document.querySelectorAll('a')].filter(a => !a.href.startsWith(location.origin)"
        " && !a.href.startsWith('http')).length}"
    )
    check(counts == {"scripts": 2, "images": 0, "handlers": 0, "jslinks": 0},
          f"no injected script, image, handler or non-http link in the UI ({counts})")
    no_console_errors(wd)


if __name__ == "__main__":
    main()
