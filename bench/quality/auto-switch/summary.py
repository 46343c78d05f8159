#!/usr/bin/python3
"""AUTO with its pool-adaptive switch (issue 14) against RANDOM, per cell and budget.

The CSVs here are `lightly-al simulate --strategies AUTO,AUTO@N --seeds 10 --threads 2` of the
cells whose pool is below 5,000 (N = 10 % of the pool), on the same data and seeds as
../results/runs/, whose RANDOM rows they are compared with (RANDOM is deterministic per seed).
Pools of 500 and the two tables never reach the floor of 500 labels, so there AUTO is the old
run (TYPICLUST throughout) and the old rows are used. Run: bench/quality/auto-switch/summary.py
"""
import csv, math, sys, os, collections
RUNS=os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), 'results', 'runs')
OUT=os.path.dirname(os.path.abspath(__file__))
tot=collections.Counter()
worst=None
for fn in sorted(os.listdir(RUNS)):
    if not fn.endswith('.csv'): continue
    cell=fn[:-4]
    acc=collections.defaultdict(list); ran={}
    for r in csv.DictReader(open(os.path.join(RUNS,fn))):
        acc[(r['strategy'],int(r['labels']))].append(float(r['accuracy']))
        if r['strategy']=='AUTO': ran.setdefault(int(r['labels']),r['method'])
    src='old'
    p=os.path.join(OUT,fn)
    if os.path.exists(p) and not (cell in ("wine","breast-cancer") or cell.endswith("-500")):
        src='new'
        for k in [k for k in acc if k[0].startswith('AUTO')]: del acc[k]
        for r in csv.DictReader(open(p)):
            acc[(r['strategy'],int(r['labels']))].append(float(r['accuracy']))
            if r['strategy']=='AUTO': ran[int(r['labels'])]=r['method']
    strategies=sorted({k[0] for k in acc if k[0].startswith('AUTO')})
    budgets=sorted({k[1] for k in acc})
    print('##',cell,src)
    for b in budgets:
        R=acc[('RANDOM',b)]; m=sum(R)/len(R); sd=math.sqrt(sum((x-m)**2 for x in R)/(len(R)-1)); sem=sd/math.sqrt(len(R))
        cols=[]
        for s in strategies:
            A=acc.get((s,b))
            if not A: continue
            am=sum(A)/len(A); d=100*(am-m)
            flag='!!' if am < m-sem-1e-12 else ('! ' if am < m-1e-12 else '  ')
            cols.append('%s %+5.1f%s'%(s,d,flag))
            if s=='AUTO':
                tot['pairs']+=1; tot['ge_sem']+= am>=m-sem-1e-12; tot['ge_mean']+= am>=m-1e-12
                if worst is None or d<worst[0]: worst=(d,cell,b)
        print('%6d  R %.3f±%.3f sem %.1f | %s | %s'%(b,m,sd,100*sem,'  '.join(cols),ran.get(b,'')))
print(tot, 'worst', worst)
