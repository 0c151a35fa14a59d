#!/usr/bin/env python3
"""Convert the Fiji user guide (Markdown) into the HTML pages packed inside ECM_Analysis.jar.

Usage: md2html.py OUT_DIR PAGE.md [PAGE.md ...]
Writes OUT_DIR/<page>.html for each input. The pages are shown offline by ImageJ's own HTML
viewer (Help buttons), which understands HTML 3.2: plain tags, a small style sheet, no
scripts. Links between guide pages are rewritten from .md to .html.
"""
import os
import re
import sys

try:
    import markdown
except ImportError:
    sys.exit("md2html.py: the Python 'markdown' module is missing "
             "(Debian: apt-get install python3-markdown; elsewhere: pip install markdown)")

STYLE = ("body{font-family:sans-serif;font-size:11px;margin:8px}"
         "h1{font-size:16px}h2{font-size:14px}h3{font-size:12px}"
         "code,pre{font-family:monospace;font-size:11px}"
         "table{border-collapse:collapse}td,th{border:1px solid #999;padding:2px 4px}")


def convert(src, out_dir):
    with open(src, encoding="utf-8") as fh:
        text = fh.read()
    body = markdown.markdown(text, extensions=["tables", "fenced_code"], output_format="html")
    body = re.sub(r'href="([^":#]+)\.md(#[^"]*)?"', r'href="\1.html\2"', body)
    title = os.path.splitext(os.path.basename(src))[0]
    m = re.search(r"^# (.+)$", text, re.M)
    if m:
        title = m.group(1).strip()
    html = ("<html><head><title>%s</title><style>%s</style></head><body>\n%s\n</body></html>\n"
            % (title, STYLE, body))
    out = os.path.join(out_dir, os.path.splitext(os.path.basename(src))[0] + ".html")
    tmp = out + ".tmp"
    with open(tmp, "w", encoding="utf-8") as fh:
        fh.write(html)
    os.replace(tmp, out)


def main(argv):
    if len(argv) < 3:
        sys.exit(__doc__)
    os.makedirs(argv[1], exist_ok=True)
    for src in argv[2:]:
        convert(src, argv[1])


if __name__ == "__main__":
    main(sys.argv)
