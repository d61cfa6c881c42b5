"""Checks that the executed notebooks show what they are for: HTML tensors, a module tree, fit's
progress display, a plot image made by lets-plot, a rendered anomaly error; and no error output.
Usage: check-outputs.py DIR (holding the executed NN-*.ipynb)"""
import glob, json, os, sys

found = {}
def note(what, nb):
    found.setdefault(what, set()).add(nb)

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
            if 'class="kindling-tensor"' in html: note("an HTML tensor", name)
            if "data:image/png;base64," in html: note("a tensor drawn as a picture", name)
            if 'class="kindling-module"' in html: note("a module tree", name)
            if 'class="kindling-progress"' in html and "<progress" in html: note("fit's progress display", name)
            if svg.lstrip().startswith("<svg") and "plt-container" in svg: note("a lets-plot image", name)
            if 'class="kindling-anomaly"' in html and "SqrtBackward" in html: note("a rendered anomaly error", name)
            if 'class="kindling-image-grid"' in html: note("an image grid", name)

for what in ["an HTML tensor", "a tensor drawn as a picture", "a module tree", "fit's progress display",
             "a lets-plot image", "a rendered anomaly error", "an image grid"]:
    if what in found:
        print("check-outputs: %s in %s" % (what, ", ".join(sorted(found[what]))))
    else:
        problems.append("no executed notebook shows %s" % what)
for p in problems:
    print("check-outputs: " + p, file=sys.stderr)
sys.exit(1 if problems else 0)
