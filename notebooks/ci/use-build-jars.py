"""Copies a notebook, replacing its dependency on dev.kindling:kindling-notebooks (and the *mavenLocal
repository line) with @file:DependsOn lines on this build's jars; the nbconvert run then uses them.
Usage: use-build-jars.py IN.ipynb JAR1:JAR2:... OUT.ipynb"""
import json, re, sys

src, jars, dst = sys.argv[1:]
nb = json.load(open(src))
dependency = re.compile(r'@file:DependsOn\("dev\.kindling:kindling-notebooks:[^"]*"\)')
replaced = False
for cell in nb["cells"]:
    if cell["cell_type"] != "code":
        continue
    code = "".join(cell["source"])
    if dependency.search(code):
        lines = "\n".join('@file:DependsOn("%s")' % j for j in jars.split(":") if j)
        code = dependency.sub(lambda _: lines, code.replace('@file:Repository("*mavenLocal")\n', ""))
        cell["source"] = code
        replaced = True
if not replaced:
    sys.exit("use-build-jars: %s does not depend on dev.kindling:kindling-notebooks" % src)
json.dump(nb, open(dst, "w"), indent=1)
