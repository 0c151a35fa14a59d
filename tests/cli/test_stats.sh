#!/usr/bin/env bash
# ecm stats: Arrhenius, xi-tau models, Spearman of maps, log-normal fit, on tables and maps
# with known answers; error paths and exit codes.
. "$(dirname "$0")/lib.sh"

# Arrhenius table with E = 97 kJ/mol (Nakazawa et al.) and tau_inf = 3.7e-14 s, exact.
python3 - <<'PY'
import math
kB = 8.617333262e-5; E = 97 / 96.48533212
with open("arr.csv", "w") as f:
    f.write("T_K,tau_s,tau_err_s\n")
    for i in range(7):
        T = 600 + 11.3 * i
        tau = 3.7e-14 * math.exp(E / (kB * T))
        f.write(f"{T!r},{tau!r},{0.05 * tau * (1 + i % 2)!r}\n")
# Noisy Zhang-like series: E = 3.7 eV, 10 % errors, fixed noise.
noise = [0.3, -1.1, 0.8, 0.1, -0.6, 1.4, -0.2]
with open("zhang.csv", "w") as f:
    f.write("# bulk tau(T)\nT_K, tau_s, tau_err_s, note\n")
    for i, z in enumerate(noise):
        T = 507 + 2.6 * i
        tau = 1e-35 * math.exp(3.7 / (kB * T)) * math.exp(0.1 * z)
        f.write(f"{T!r},{tau!r},{0.1 * tau!r},0\n")
    f.write("530,nan,1,0\n")
PY
expect_rc 0 -- "$ECM" stats arrhenius arr.csv
cp out.txt arr.json
expect_eq schema "$(json_get arr.json "j['schema']")" ecm.stats.arrhenius/1
expect_close E_kJ "$(json_get arr.json "j['E_kJ_per_mol']")" 97 1e-9
expect_close E_eV "$(json_get arr.json "j['E_eV']")" "$(python3 -c 'print(97 / 96.48533212)')" 1e-9
expect_close tau_inf "$(json_get arr.json "j['tau_inf_s']")" 3.7e-14 1e-6
expect_eq rows "$(json_get arr.json "j['n_rows'], j['dof'], j['weighted']")" "7 5 True"
python3 -c "import json,sys; j=json.load(open('arr.json')); sys.exit(0 if j['chi2_red'] < 1e-12 else 1)" && ok || fail "exact data chi2_red"

expect_rc 0 -- "$ECM" stats arrhenius zhang.csv --json --bootstrap 200 --seed 3 -o zhang.json
expect_eq skipped "$(json_get zhang.json "j['n_rows'], j['n_skipped']")" "7 1"
python3 - <<'PY' && ok || fail "zhang Arrhenius: $(cat zhang.json)"
import json, sys
j = json.load(open("zhang.json"))
E, s = j["E_eV"], j["E_err_eV"]
b = j["bootstrap_E"]
ok = abs(E - 3.7) < 3 * s and 0.05 < s < 1 and b["lo_eV"] < E < b["hi_eV"] and b["resamples"] + b["failed"] == 200
ok = ok and abs(j["E_err_kJ_per_mol"] / s - 96.48533212) < 1e-9
sys.exit(0 if ok else 1)
PY
# Same seed, same interval; the output exists now.
expect_rc 0 -- "$ECM" stats arrhenius zhang.csv --bootstrap 200 --seed 3
expect_eq boot_det "$(json_get out.txt "j['bootstrap_E']['lo_eV']")" "$(json_get zhang.json "j['bootstrap_E']['lo_eV']")"
expect_rc 2 -- "$ECM" stats arrhenius zhang.csv -o zhang.json
# --csv: the rows with fitted ln tau and residuals (atomic write, refuses to overwrite).
expect_rc 0 -- "$ECM" stats arrhenius arr.csv --csv arr_rows.csv
python3 - <<'PY' && ok || fail "arrhenius csv: $(cat arr_rows.csv)"
import csv, math, sys
rows = list(csv.DictReader(l for l in open("arr_rows.csv") if not l.startswith("#")))
ok = len(rows) == 7 and all(r["used"] == "1" for r in rows)
ok = ok and all(abs(float(r["residual_ln_tau"])) < 1e-9 and abs(float(r["pull"])) < 1e-6 for r in rows)
ok = ok and all(abs(float(r["ln_tau_fit"]) - math.log(float(r["tau_s"]))) < 1e-9 for r in rows)
sys.exit(0 if ok else 1)
PY
expect_rc 2 -- "$ECM" stats arrhenius arr.csv --csv arr_rows.csv
expect_grep 'exists' err.txt
expect_rc 2 -- "$ECM" stats arrhenius arr.csv --csv same.json -o same.json
expect_rc 0 -- "$ECM" stats arrhenius zhang.csv --csv arr_rows.csv --force
python3 - <<'PY' && ok || fail "arrhenius csv with nan row: $(cat arr_rows.csv)"
import csv, json, sys
rows = list(csv.DictReader(l for l in open("arr_rows.csv") if not l.startswith("#")))
j = json.load(open("zhang.json"))
chi2 = sum(float(r["pull"]) ** 2 for r in rows if r["used"] == "1")
sys.exit(0 if len(rows) == 8 and sum(r["used"] == "1" for r in rows) == 7
         and abs(chi2 - j["chi2"]) < 1e-9 * j["chi2"] else 1)
PY
# Unweighted when the error column is missing (with a note).
printf 'T_K,tau_s\n500,100\n510,40\n520,17\n530,7.5\n' > unw.csv
expect_rc 0 -- "$ECM" stats arrhenius unw.csv
expect_eq unweighted "$(json_get out.txt "j['weighted']")" False
expect_grep 'unweighted' err.txt
# Errors: missing column, bad number, non-positive T, too few rows, usage.
printf 'T,tau_s\n500,1\n' > nocol.csv
expect_rc 2 -- "$ECM" stats arrhenius nocol.csv
expect_grep "no column 'T_K'" err.txt
printf 'T_K,tau_s,tau_err_s\n500,abc,1\n' > bad.csv
expect_rc 2 -- "$ECM" stats arrhenius bad.csv
expect_grep "bad.csv:2: column 'tau_s' is not a number" err.txt
printf 'T_K,tau_s,tau_err_s\n500,10,1\n-3,5,1\n' > neg.csv
expect_rc 1 -- "$ECM" stats arrhenius neg.csv
expect_grep 'row 2: T = -3 K must be > 0' err.txt
printf 'T_K,tau_s,tau_err_s\n500,10,1\n' > one.csv
expect_rc 1 -- "$ECM" stats arrhenius one.csv
[ "$(wc -l < err.txt)" -eq 1 ] && ok || fail "error is not one line: $(cat err.txt)"
expect_rc 2 -- "$ECM" stats arrhenius
expect_rc 2 -- "$ECM" stats arrhenius missing.csv
expect_rc 2 -- "$ECM" stats arrhenius arr.csv --bootstrap 3
expect_rc 0 -- "$ECM" stats arrhenius --help
expect_grep 'T_K \(K\), tau_s \(s\)' out.txt
expect_rc 2 -- "$ECM" stats
expect_rc 2 -- "$ECM" stats nonsense
expect_rc 0 -- "$ECM" stats --help
expect_grep 'xi-tau' out.txt

# xi-tau models on exact data with seeded parameters.
python3 - <<'PY'
import math
kB = 8.617333262e-5
rows = []
for i in range(10):
    T = 523 - 1.8 * i
    xi = 0.82 + 0.6 * i / 9
    rows.append((T, xi))
def write(name, f):
    with open(name, "w") as o:
        o.write("T_K,tau_s,tau_err_s,xi_nm,xi_err_nm\n")
        for T, xi in rows:
            tau = f(T, xi)
            o.write(f"{T!r},{tau!r},{0.1 * tau!r},{xi!r},{0.02 * xi!r}\n")
write("ag.csv", lambda T, xi: math.exp(-3.17 + 4.31 * xi))
write("imct.csv", lambda T, xi: math.exp((math.log(xi) + 0.613) / 0.283))
write("rfot.csv", lambda T, xi: math.exp(-1.93 + 0.0173 * (xi / (kB * T)) ** 1.37))
PY
expect_rc 0 -- "$ECM" stats xi-tau ag.csv --model adam-gibbs
expect_eq ag "$(json_get out.txt "round(j['a'], 9), round(j['b'], 9), j['dof']")" "-3.17 4.31 8"
expect_grep '"b_unit": "1/nm"' out.txt
expect_grep 'York' out.txt
expect_rc 0 -- "$ECM" stats xi-tau imct.csv --model imct
expect_eq imct "$(json_get out.txt "round(j['a'], 9), round(j['b'], 9)")" "-0.613 0.283"
expect_rc 0 -- "$ECM" stats xi-tau rfot.csv --model rfot
expect_eq rfot "$(json_get out.txt "round(j['n'], 4), round(j['a'], 3), j['n_fitted'], j['dof']")" "1.37 -1.93 True 7"
expect_rc 0 -- "$ECM" stats xi-tau rfot.csv --model rfot --n 1.37 --y-errors-only
expect_eq rfot_fixed "$(json_get out.txt "round(j['b'], 9), j['n_fitted'], float(j['n_err']), j['error_propagation']")" "0.0173 False 0.0 dependent variable only"
# --csv of the xi-tau rows: exact data, zero residuals, model values equal the data.
expect_rc 0 -- "$ECM" stats xi-tau rfot.csv --model rfot --csv rfot_rows.csv
python3 - <<'PY' && ok || fail "xi-tau csv: $(cat rfot_rows.csv)"
import csv, sys
rows = list(csv.DictReader(l for l in open("rfot_rows.csv") if not l.startswith("#")))
ok = len(rows) == 10 and all(abs(float(r["residual_y"])) < 1e-6 for r in rows)
ok = ok and all(abs(float(r["tau_model_s"]) / float(r["tau_s"]) - 1) < 1e-6 for r in rows)
sys.exit(0 if ok else 1)
PY
expect_rc 0 -- "$ECM" stats xi-tau imct.csv --model imct --csv imct_rows.csv
expect_grep 'xi_model_nm' imct_rows.csv
expect_rc 2 -- "$ECM" stats xi-tau imct.csv --model imct --csv imct_rows.csv
# Bootstrap of the model parameters on a noisy series (fixed noise): deterministic for a
# seed, and the interval holds the fitted value.
python3 - <<'PY'
import math
zt = [0.3, -1.1, 0.8, 0.1, -0.6, 1.4, -0.2, 0.9, -0.4, -1.3]
zx = [-0.5, 0.7, 0.2, -1.2, 0.4, 0.0, 1.1, -0.3, -0.8, 0.6]
with open("agn.csv", "w") as o:
    o.write("T_K,tau_s,tau_err_s,xi_nm,xi_err_nm\n")
    for i in range(10):
        T = 523 - 1.8 * i
        xi = 0.82 + 0.6 * i / 9
        tau = math.exp(-3.17 + 4.31 * xi + 0.1 * zt[i])
        o.write(f"{T!r},{tau!r},{0.1 * tau!r},{xi * (1 + 0.02 * zx[i])!r},{0.02 * xi!r}\n")
PY
for model in adam-gibbs imct rfot; do
  expect_rc 0 -- "$ECM" stats xi-tau agn.csv --model $model --bootstrap 300 --seed 7 -o boot_$model.json
  python3 - "$model" <<'PY' && ok || fail "xi-tau bootstrap $model: $(cat boot_$model.json)"
import json, sys
m = sys.argv[1]
j = json.load(open(f"boot_{m}.json"))
b = j["bootstrap_b"]
ok = b["lo"] <= j["b"] <= b["hi"] and b["resamples"] + b["failed"] == 300 and b["seed"] == 7
if m == "rfot":
    n = j["bootstrap_n"]
    ok = ok and n["lo"] <= j["n"] <= n["hi"]
else:
    ok = ok and "bootstrap_n" not in j and b["se"] < 3 * j["b_err_scaled"]
sys.exit(0 if ok else 1)
PY
done
expect_rc 0 -- "$ECM" stats xi-tau agn.csv --model adam-gibbs --bootstrap 300 --seed 7
expect_eq xitau_boot_det "$(json_get out.txt "j['bootstrap_b']['lo'], j['bootstrap_b']['hi']")" "$(json_get boot_adam-gibbs.json "j['bootstrap_b']['lo'], j['bootstrap_b']['hi']")"
expect_rc 0 -- "$ECM" stats xi-tau agn.csv --model rfot --n 1 --bootstrap 100
python3 -c "import json,sys; j=json.load(open('out.txt')); sys.exit(0 if 'bootstrap_n' not in j and j['bootstrap_b']['lo'] <= j['b'] <= j['bootstrap_b']['hi'] else 1)" && ok || fail "rfot fixed n bootstrap"
expect_rc 2 -- "$ECM" stats xi-tau agn.csv --model imct --bootstrap 5
expect_rc 2 -- "$ECM" stats xi-tau ag.csv
expect_grep 'model is required' err.txt
expect_rc 2 -- "$ECM" stats xi-tau ag.csv --model vft
expect_rc 2 -- "$ECM" stats xi-tau ag.csv --model imct --n 2
expect_rc 2 -- "$ECM" stats xi-tau arr.csv --model imct
expect_grep "no column 'xi_nm'" err.txt

# Maps: simulated tau maps correlated over 4 px; two seeds are independent.
expect_rc 0 -- "$ECM" simulate darkfield -o s1 --nframes 4 --width 36 --height 30 --seed 1 -q
expect_rc 0 -- "$ECM" simulate darkfield -o s2 --nframes 4 --width 36 --height 30 --seed 2 -q
expect_rc 0 -- "$ECM" stats spearman s1_true_tau.tif s1_true_tau.tif --permutations 199
expect_eq self "$(json_get out.txt "float(j['rho']), j['p_perm'], j['n_pixels'], j['blocks']")" "1.0 0.005 1080 120"
expect_rc 0 -- "$ECM" stats spearman s1_true_tau.tif s2_true_tau.tif --block 6 --permutations 199 -o sp.json
python3 - <<'PY' && ok || fail "independent maps: $(cat sp.json)"
import json, sys
j = json.load(open("sp.json"))
# Correlated pixels: far fewer independent pairs; corrected p-values are not tiny.
sys.exit(0 if j["n_eff"] < 0.2 * j["n_pixels"] and j["p_perm"] > 0.01 and j["p_eff"] > 0.01
         and j["p_naive"] <= j["p_eff"] and abs(j["rho"]) < 0.5 else 1)
PY
expect_rc 0 -- "$ECM" stats spearman s1_true_tau.tif s2_true_tau.tif --mask s1_regions.tif --permutations 0
expect_eq noperm "$(json_get out.txt "j['p_perm'], j['permutations']")" "None 0"
expect_rc 0 -- "$ECM" simulate darkfield -o small --nframes 4 --width 8 --height 8 -q
expect_rc 2 -- "$ECM" stats spearman s1_true_tau.tif small_true_tau.tif
expect_grep 'is 8 x 8 pixels' err.txt
expect_rc 1 -- "$ECM" stats spearman s1_true_tau.tif s2_true_tau.tif --mask small_true_tau.tif
expect_rc 2 -- "$ECM" stats spearman s1_true_tau.tif
expect_rc 2 -- "$ECM" stats spearman s1_true_tau.tif s2_true_tau.tif --block 0

# Log-normal fit of the truth map (median 10 s, sigma 0.5 by default), TIFF and CSV.
expect_rc 0 -- "$ECM" stats lognormal s1_true_tau.tif --bootstrap 100 --seed 5
cp out.txt ln.json
python3 - <<'PY' && ok || fail "lognormal: $(cat ln.json)"
import json, sys
j = json.load(open("ln.json"))
b = j["bootstrap_tau_med"]
sys.exit(0 if 6 < j["tau_med_s"] < 15 and 0.3 < j["sigma"] < 0.7 and b["lo_s"] < j["tau_med_s"] < b["hi_s"]
         and j["n_used"] == 1080 else 1)
PY
printf 'tau_s,other\n1,0\n2,0\n4,0\n8,0\nnan,0\n-1,0\n' > vals.csv
expect_rc 0 -- "$ECM" stats lognormal vals.csv --column tau_s
expect_close csv_tau_med "$(json_get out.txt "j['tau_med_s']")" 2.8284271247461903 1e-12
expect_eq csv_n "$(json_get out.txt "j['n_values'], j['n_used']")" "6 4"
expect_rc 0 -- "$ECM" stats lognormal vals.csv --unit frames
expect_grep '"tau_med_frames"' out.txt
expect_rc 2 -- "$ECM" stats lognormal vals.csv --column nope
expect_rc 2 -- "$ECM" stats lognormal vals.csv --mask s1_regions.tif
expect_rc 2 -- "$ECM" stats lognormal s1_true_tau.tif --unit 's;x'
printf 'v\n-1\n0\n' > nonpos.csv
expect_rc 1 -- "$ECM" stats lognormal nonpos.csv
expect_grep 'log-normal fit needs 2 positive values' err.txt
finish
