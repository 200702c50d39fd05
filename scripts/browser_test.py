#!/usr/bin/env python3
"""Opens lockstep's HTML report in headless Chromium through WebDriver and
checks, in a real browser, that hostile posts are shown as text and run
nothing: no dialog opens, no injected element exists, the payloads are
visible literally, and the console has no error from injected code.

A WebDriver client in the standard library (the protocol is JSON over
HTTP), so the test needs chromium and chromium-driver and nothing else.
Screenshots go to the artefact folder.

    scripts/browser_test.py REPORT_DIR ARTEFACT_DIR
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
        finally:
            wd.call("DELETE", f"/session/{wd.session}")
    finally:
        driver.terminate()
        driver.wait()


def run(wd, report, artefacts):
    wd.s("POST", "/url", {"url": "file://" + report})
    # A dialog would be open now if anything had run alert().
    alert = wd.s("GET", "/alert/text")
    check(isinstance(alert, dict) and alert.get("error") == "no such alert", "no dialog opened")
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
    check(sections[:2] == ["The run", "Clusters, by campaign score"] and len(sections) >= 3,
          f"the sections are there ({sections})")
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
    logs = wd.s("POST", "/se/log", {"type": "browser"})
    errors = [l for l in logs if isinstance(l, dict) and l.get("level") == "SEVERE"]
    check(not errors, f"no console error ({errors})")
    print(f"screenshot: {os.path.join(artefacts, 'report-cluster.png')}")


if __name__ == "__main__":
    main()
