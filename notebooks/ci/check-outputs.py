"""Checks that the executed notebooks show what they are for: HTML tensors, a module tree, fit's
progress display, a plot image made by lets-plot, a rendered anomaly error; and no error output.
Usage: check-outputs.py DIR (holding the executed NN-*.ipynb)"""
import glob, json, os, sys

# What each executed notebook output is looked at for, by its HTML and SVG text.
CHECKS = [
    ("an HTML tensor", lambda html, svg: 'class="kindling-tensor"' in html),
    ("a tensor drawn as a picture", lambda html, svg: "data:image/png;base64," in html),
    ("a module tree", lambda html, svg: 'class="kindling-module"' in html),
    ("fit's progress display", lambda html, svg: 'class="kindling-progress"' in html and "<progress" in html),
    ("a lets-plot image", lambda html, svg: svg.lstrip().startswith("<svg") and "plt-container" in svg),
    ("a rendered anomaly error", lambda html, svg: 'class="kindling-anomaly"' in html and "SqrtBackward" in html),
    ("an image grid", lambda html, svg: 'class="kindling-image-grid"' in html),
]

found = {}
problems = []
for path in sorted(glob.glob(os.path.join(sys.argv[1], "[0-9][0-9]-*.ipynb"))):
    name = os.path.basename(path)
    for cell in json.load(open(path))["cells"]:
        for out in cell.get("outputs", []):
            if out["output_type"] == "error":
                problems.append("%s: error output %s: %s" % (name, out.get("ename"), out.get("evalue")))
            data = out.get("data", {})
            html = "".join(data.get("text/html", ""))
            svg = "".join(data.get("image/svg+xml", ""))
            for what, shows in CHECKS:
                if shows(html, svg): found.setdefault(what, set()).add(name)

for what, _ in CHECKS:
    if what in found:
        print("check-outputs: %s in %s" % (what, ", ".join(sorted(found[what]))))
    else:
        problems.append("no executed notebook shows %s" % what)
for p in problems:
    print("check-outputs: " + p, file=sys.stderr)
sys.exit(1 if problems else 0)
