"""Trial by trial: the same configurations, epochs and val cross-entropy in two runs?"""
import json, sys
from pathlib import Path
def trials(run):
    out = {}
    for p in sorted(Path(run).glob("trials/trial_*.json")):
        r = json.loads(p.read_text())
        hp = {k: v for k, v in r["hyperparameters"].items() if not k.startswith("tuner/")}
        out[r["trial_id"]] = (hp.get("encoder"), json.dumps(hp, sort_keys=True), len(r.get("history") or []), r.get("val_cross_entropy"), r.get("status"))
    return out
a, b = trials(sys.argv[1]), trials(sys.argv[2])
same = 0
for t in sorted(set(a) | set(b)):
    x, y = a.get(t), b.get(t)
    if x and y and x[1] == y[1] and x[2] == y[2]:
        same += 1
        flag = "same" if x[3] == y[3] else f"same config, val_ce {x[3]:.4f} vs {y[3]:.4f}"
    else:
        flag = "DIFFERENT"
    print(t, (x or ("-",))[0], (x or (0,0,"-"))[2], (y or ("-",))[0], (y or (0,0,"-"))[2], flag)
print(f"{same} of {max(len(a), len(b))} trials: same configuration and epochs")
