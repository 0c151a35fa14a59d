// Temperature Series (ecm.fiji.TemperatureSeries) driven as a macro would, headless, with the
// macro line of the shared interface. Checks: an Arrhenius series written by the test
// (T = 300..420 K, tau = 1e-9 s exp(0.55 eV / k_B T), 3 % noise, fixed seed) gives E within
// 3 sigma and 5 % of 0.55 eV from a CSV file and the same numbers from the system Results
// table; unweighted without an error column; the xi-tau models on synthetic rows with known
// parameters; the result table and plots; refusals (missing column named with the table's
// columns, fewer than 3 rows, non-positive tau or T, a CSV that does not exist).
import ecm.fiji.EcmException;
import ecm.fiji.NativeStats;
import ecm.fiji.TemperatureSeries;
import ij.measure.ResultsTable;
import java.io.File;
import java.io.IOException;
import java.io.PrintWriter;
import java.util.Locale;
import java.util.Random;

public class Mode_tseries {
  static final double KB = 8.617333262e-5, EA = 0.55, TAU0 = 1e-9;

  static void check(boolean ok, String what) {
    FijiDriver.check(ok, what);
  }

  static String f(double v) {
    return FijiDriver.f(v);
  }

  static TemperatureSeries.Result ts(String options) throws InterruptedException {
    final TemperatureSeries cmd = new TemperatureSeries();
    FijiDriver.asMacro(options, new Runnable() {
      public void run() {
        cmd.run("");
      }
    });
    return cmd.getResult();
  }

  /** compute() directly: the refusal message, or null when it did not refuse. */
  static String refusal(TemperatureSeries.Params p) {
    try {
      TemperatureSeries.compute(p);
      return null;
    } catch (EcmException e) {
      return e.getMessage();
    }
  }

  static File write(File dir, String name, String text) throws IOException {
    File f = new File(dir, name);
    try (PrintWriter w = new PrintWriter(f, "UTF-8")) {
      w.print(text);
    }
    return f;
  }

  public static void run() throws Exception {
    File dir = new File(System.getProperty("java.io.tmpdir"), "tseries");
    dir.mkdirs();
    // ---- Arrhenius series ----
    Random rnd = new Random(7);
    int n = 13;
    double[] T = new double[n], tau = new double[n], err = new double[n];
    StringBuilder csv = new StringBuilder("T_K,tau_med_s,tau_err_s,note\n");
    for (int i = 0; i < n; i++) {
      T[i] = 300 + 10 * i;
      tau[i] = TAU0 * Math.exp(EA / (KB * T[i])) * (1 + 0.03 * rnd.nextGaussian());
      err[i] = 0.03 * tau[i];
      csv.append(String.format(Locale.ROOT, "%.17g,%.17g,%.17g,%d\n", T[i], tau[i], err[i], i));
    }
    File arr = write(dir, "arrhenius.csv", csv.toString());
    TemperatureSeries.Result r = ts("table=[ECM temperature series] csv=[" + arr.getPath()
        + "] temperature=T_K tau=tau_med_s tau_error=[tau_err_s] xi=[none] model=Arrhenius");
    check(r != null, "Arrhenius from CSV: result");
    if (r == null) return;
    double[] a = r.fit;
    double E = a[NativeStats.AR_E_EV], dE = a[NativeStats.AR_E_EV_ERR];
    System.out.println("ECM value arrhenius E_eV=" + f(E) + " err=" + f(dE) + " tau0_s="
        + f(a[NativeStats.AR_TAU_INF]) + " chi2_red=" + f(a[NativeStats.AR_CHI2_RED]));
    check(Math.abs(E - EA) < 3 * dE && Math.abs(E / EA - 1) < 0.05,
        "E = " + f(E) + " +- " + f(dE) + " eV (truth 0.55; within 3 sigma and 5 %)");
    check(Math.abs(a[NativeStats.AR_LN_TAU_INF] - Math.log(TAU0))
            < 3 * a[NativeStats.AR_LN_TAU_INF_ERR],
        "ln tau0 = " + f(a[NativeStats.AR_LN_TAU_INF]) + " +- "
            + f(a[NativeStats.AR_LN_TAU_INF_ERR]) + " (truth " + f(Math.log(TAU0)) + ")");
    check(a[NativeStats.AR_WEIGHTED] == 1 && a[NativeStats.AR_N] == n
            && a[NativeStats.AR_CHI2_RED] > 0.2 && a[NativeStats.AR_CHI2_RED] < 3,
        "weighted fit of " + n + " rows, chi2_red = " + f(a[NativeStats.AR_CHI2_RED]));
    ResultsTable t = r.table;
    check(t.size() == 1 && t.getValue("E_eV", 0) == E && t.getValue("E_err_eV", 0) == dE
            && Math.abs(t.getValue("E_kJ_per_mol", 0) / E - 96.48533212) < 1e-6
            && t.getValue("tau0_s", 0) == a[NativeStats.AR_TAU_INF]
            && t.getColumnIndex("tau0_err_s") >= 0 && t.getColumnIndex("chi2_red") >= 0
            && t.getValue("n", 0) == n && t.getValue("T_min_K", 0) == 300
            && t.getValue("T_max_K", 0) == 420,
        "table '" + TemperatureSeries.ARRHENIUS_TABLE + "': E in eV and kJ/mol, tau0, chi2_red,"
            + " n, T range");
    check(t.getRowAsString(0).matches(".*\\d\\.\\d{6,}.*"), "table precision >= 6 decimals");
    check(r.plot != null && r.plot.getImagePlus() != null
            && r.plot.getImagePlus().getWidth() > 100,
        "Arrhenius plot (ln tau vs 1000/T) renders");

    // the same rows from the system Results table (headless: table=Results)
    ResultsTable sys = ResultsTable.getResultsTable();
    sys.reset();
    for (int i = 0; i < n; i++) {
      sys.incrementCounter();
      sys.addValue("T_K", T[i]);
      sys.addValue("tau_med_s", tau[i]);
      sys.addValue("tau_err_s", err[i]);
    }
    TemperatureSeries.Result rt = ts("table=[Results] csv=[] temperature=T_K tau=tau_med_s"
        + " tau_error=[tau_err_s] xi=[none] model=Arrhenius");
    check(rt != null && Math.abs(rt.fit[NativeStats.AR_E_EV] / E - 1) < 1e-9
            && Math.abs(rt.fit[NativeStats.AR_E_EV_ERR] / dE - 1) < 1e-9,
        "open table 'Results': same E as the CSV (" + (rt == null ? "-" : f(rt.fit[NativeStats.AR_E_EV])) + ")");
    // unweighted without an error column
    TemperatureSeries.Result ru = ts("table=[Results] csv=[] temperature=T_K tau=tau_med_s"
        + " tau_error=[none] xi=[none] model=Arrhenius");
    check(ru != null && ru.fit[NativeStats.AR_WEIGHTED] == 0
            && Math.abs(ru.fit[NativeStats.AR_E_EV] / EA - 1) < 0.05,
        "tau_error=none: unweighted, E = " + (ru == null ? "-" : f(ru.fit[NativeStats.AR_E_EV])));
    // a title that is no open table: headless only Results is readable
    check(ts("table=[ECM temperature series] csv=[] model=Arrhenius") == null,
        "table=[ECM temperature series] headless, no such table: refused");

    // ---- xi-tau models ----
    // Adam-Gibbs ln tau = a + b xi (a = -3, b = 1.2 /nm), 5 % tau errors, 2 % xi errors
    Random r2 = new Random(11);
    int m = 12;
    StringBuilder ag = new StringBuilder("T_K,tau_s,tau_err_s,xi_nm,xi_err_nm\n");
    StringBuilder imct = new StringBuilder("T_K,tau_s,tau_err_s,xi_nm,xi_err_nm\n");
    StringBuilder rf = new StringBuilder("T_K,tau_s,tau_err_s,xi_nm\n");
    for (int i = 0; i < m; i++) {
      double xi = 1 + 0.2 * i, tK = 500 + 2 * i;
      double tAg = Math.exp(-3 + 1.2 * xi) * (1 + 0.05 * r2.nextGaussian());
      double xiObs = xi * (1 + 0.02 * r2.nextGaussian());
      ag.append(String.format(Locale.ROOT, "%.17g,%.17g,%.17g,%.17g,%.17g\n", tK, tAg,
          0.05 * tAg, xiObs, 0.02 * xiObs));
      // IMCT: xi = exp(0.5) tau^0.4 (tau from 0.1 to 100 s)
      double tI = Math.pow(10, -1 + 3.0 * i / (m - 1));
      double xI = Math.exp(0.5) * Math.pow(tI, 0.4) * (1 + 0.02 * r2.nextGaussian());
      imct.append(String.format(Locale.ROOT, "%.17g,%.17g,%.17g,%.17g,%.17g\n", tK, tI,
          0.05 * tI, xI, 0.02 * xI));
      // RFOT with n = 1: ln tau = -4 + 0.2 (xi / k_B T)
      double tR = Math.exp(-4 + 0.2 * xi / (KB * tK)) * (1 + 0.05 * r2.nextGaussian());
      rf.append(String.format(Locale.ROOT, "%.17g,%.17g,%.17g,%.17g\n", tK, tR, 0.05 * tR, xi));
    }
    File agf = write(dir, "ag.csv", ag.toString()), imf = write(dir, "imct.csv", imct.toString()),
         rff = write(dir, "rfot.csv", "# rfot rows; a leading comment line as the CLI writes\n"
                         + rf.toString());
    TemperatureSeries.Result rx = ts("csv=[" + agf.getPath() + "] temperature=T_K tau=tau_s"
        + " tau_error=tau_err_s xi=xi_nm xi_error=xi_err_nm model=adam-gibbs");
    check(rx != null, "adam-gibbs: result");
    if (rx != null) {
      double b = rx.fit[NativeStats.XT_B], db = rx.fit[NativeStats.XT_B_ERR];
      check(Math.abs(b - 1.2) < 3 * db && rx.fit[NativeStats.XT_N] == m,
          "adam-gibbs: b = " + f(b) + " +- " + f(db) + " /nm (truth 1.2), a = "
              + f(rx.fit[NativeStats.XT_A]));
      check(rx.table.getStringValue("model", 0).equals("adam-gibbs")
              && rx.table.getValue("b", 0) == b && rx.table.getColumnIndex("chi2_red") >= 0,
          "table '" + TemperatureSeries.XITAU_TABLE + "'");
      check(rx.plot != null && rx.plot.getImagePlus() != null, "adam-gibbs: tau vs xi plot renders");
    }
    TemperatureSeries.Result ri = ts("csv=[" + imf.getPath() + "] tau=tau_s tau_error=tau_err_s"
        + " xi=xi_nm xi_error=xi_err_nm model=imct");
    check(ri != null && Math.abs(ri.fit[NativeStats.XT_B] - 0.4) < 3 * ri.fit[NativeStats.XT_B_ERR]
            && Math.abs(ri.fit[NativeStats.XT_A] - 0.5) < 3 * ri.fit[NativeStats.XT_A_ERR],
        "imct: b = " + (ri == null ? "-" : f(ri.fit[NativeStats.XT_B]) + " +- "
            + f(ri.fit[NativeStats.XT_B_ERR])) + " (truth 0.4)");
    TemperatureSeries.Result rr = ts("csv=[" + rff.getPath() + "] temperature=T_K tau=tau_s"
        + " tau_error=tau_err_s xi=xi_nm model=rfot rfot_n=1");
    check(rr != null && Math.abs(rr.fit[NativeStats.XT_B] - 0.2) < 3 * rr.fit[NativeStats.XT_B_ERR]
            && rr.fit[NativeStats.XT_N_EXP] == 1 && rr.fit[NativeStats.XT_N_FITTED] == 0,
        "rfot (n held at 1, CSV with a '#' line): b = "
            + (rr == null ? "-" : f(rr.fit[NativeStats.XT_B]) + " +- "
                + f(rr.fit[NativeStats.XT_B_ERR])) + " (truth 0.2)");
    check(rr != null && rr.plot.getImagePlus() != null, "rfot: plot renders");
    String[] models = NativeStats.xiTauModels();
    check(models.length == 3 && models[0].equals("adam-gibbs") && models[1].equals("imct")
            && models[2].equals("rfot"),
        "core model names: " + String.join(", ", models));

    // ---- refusals ----
    TemperatureSeries.Params p = new TemperatureSeries.Params();
    p.csv = arr.getPath();
    p.tau = "tau_s";
    String msg = refusal(p);
    check(msg != null && msg.contains("'tau_s'") && msg.contains("T_K")
            && msg.contains("tau_med_s") && msg.contains("tau_err_s"),
        "missing column: " + msg);
    check(ts("csv=[" + arr.getPath() + "] tau=tau_s") == null, "missing column: no result");
    p = new TemperatureSeries.Params();
    p.csv = agf.getPath();
    p.tau = "tau_s";
    p.model = "imct";
    msg = refusal(p);
    check(msg != null && msg.contains("xi"), "xi-tau model without xi column: " + msg);
    File two = write(dir, "two.csv", "T_K,tau_med_s\n300,1\n310,0.5\n");
    p = new TemperatureSeries.Params();
    p.csv = two.getPath();
    msg = refusal(p);
    check(msg != null && msg.contains("at least 3"), "2 rows: " + msg);
    File neg = write(dir, "neg.csv", "T_K,tau_med_s\n300,1\n310,-0.5\n320,0.2\n");
    p.csv = neg.getPath();
    msg = refusal(p);
    check(msg != null && msg.contains("row 2") && msg.contains("positive"), "negative tau: " + msg);
    File zeroT = write(dir, "zeroT.csv", "T_K,tau_med_s\n300,1\n0,0.5\n320,0.2\n");
    p.csv = zeroT.getPath();
    msg = refusal(p);
    check(msg != null && msg.contains("T_K") && msg.contains("positive"), "T = 0: " + msg);
    p.csv = new File(dir, "does_not_exist.csv").getPath();
    msg = refusal(p);
    check(msg != null && msg.contains("does not exist"), "missing CSV: " + msg);
    check(ts("csv=[" + p.csv + "] model=Arrhenius") == null, "missing CSV: no result");
    check(ts("csv=[" + arr.getPath() + "] model=VFT") == null, "model=VFT refused");
    check(ts("csv=[" + agf.getPath() + "] tau=tau_s xi=xi_nm model=rfot rfot_n=-1") == null,
        "rfot_n=-1 refused");
    File same = write(dir, "sameT.csv", "T_K,tau_med_s\n300,1\n300,0.5\n300,0.2\n");
    check(ts("csv=[" + same.getPath() + "] model=Arrhenius") == null,
        "all rows at one temperature: refused by the core");
  }
}
