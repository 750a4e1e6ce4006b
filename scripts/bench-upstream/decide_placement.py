"""Upstream's re-placement model (shared/reference/smo-upstream.md §5.2), timed the way upstream runs it.

Reads {"instances": [...], "repeats": n} on stdin, writes one JSON line per instance on stdout:
{"id", "status", "moves", "ms"} where ms is the best of `repeats` whole calls (CVXPY model build + HiGHS solve).

Model: boolean x[s, e]; minimise Σx + Σ y·(y − x) (w_dep = w_re = 1); Σ_e x[s, e] = 1;
Σ_s x[s, e]·cpu[s]·replicas[s] ≤ capacity[e]; x[s, e]·acceleration[s] ≤ cluster_acceleration[e]. The acceleration
row covers every service (upstream exempts service 0, bug B9) and the vacuous "dependency" rows are left out (they
crash upstream from 4 services on, B9), so both sides solve the same problem.
"""
import json
import sys
import time

import cvxpy as cp
import numpy as np


def decide_placement(capacities, cluster_acceleration, cpu, acceleration, replicas, current):
    services, clusters = len(cpu), len(capacities)
    x = cp.Variable((services, clusters), boolean=True)
    y = np.array(current, dtype=float).reshape(services, clusters)
    demand = np.array(cpu, dtype=float) * np.array(replicas, dtype=float)
    objective = cp.Minimize(cp.sum(x) + cp.sum(cp.multiply(y, y - x)))
    constraints = [
        cp.sum(x, axis=1) == 1,
        demand @ x <= np.array(capacities, dtype=float),
        cp.multiply(x, np.outer(np.array(acceleration, dtype=float), np.ones(clusters)))
        <= np.outer(np.ones(services), np.array(cluster_acceleration, dtype=float)),
    ]
    problem = cp.Problem(objective, constraints)
    problem.solve(solver=cp.HIGHS)
    if problem.status not in ("optimal", "optimal_inaccurate") or x.value is None:
        return problem.status, None
    placement = np.rint(x.value).astype(int)
    moved = int(sum(1 for s in range(services) if y[s].any() and placement[s][int(np.argmax(y[s]))] != 1))
    return "optimal", moved


def main():
    request = json.load(sys.stdin)
    repeats = int(request.get("repeats", 3))
    for instance in request["instances"]:
        best, status, moves = float("inf"), None, None
        for _ in range(max(1, int(instance.get("repeats", repeats)))):
            started = time.perf_counter()
            status, moves = decide_placement(
                instance["capacities"], instance["clusterAcceleration"], instance["cpu"],
                instance["acceleration"], instance["replicas"], instance["current"],
            )
            best = min(best, (time.perf_counter() - started) * 1000)
        print(json.dumps({"id": instance["id"], "status": status, "moves": moves, "ms": round(best, 3)}), flush=True)


if __name__ == "__main__":
    main()
