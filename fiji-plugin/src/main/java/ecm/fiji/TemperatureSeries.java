package ecm.fiji;

import ij.IJ;
import ij.WindowManager;
import ij.gui.GenericDialog;
import ij.gui.Plot;
import ij.measure.ResultsTable;
import ij.plugin.PlugIn;
import java.awt.Color;
import java.io.File;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Plugins>ECM>Temperature Series: the Arrhenius fit of tau(T) (ecm_stats_arrhenius_fit, as
 * `ecm stats arrhenius`) or one xi-tau model of Zhang et al. Fig. 4 (ecm_stats_xitau_fit, as
 * `ecm stats xi-tau`) of the rows of an open table or a CSV file; a table "ECM Arrhenius" or
 * "ECM xi-tau" and a plot (ln tau against 1000/T, or tau against xi) with the fitted curve.
 *
 * Macro line (interface shared with other ECM macros; keep the keys):
 * run("Temperature Series", "table=[ECM temperature series] csv=[] temperature=T_K
 * tau=tau_med_s tau_error=[none] xi=[none] model=Arrhenius");
 */
public class TemperatureSeries implements PlugIn {
  static final String TITLE = "Temperature Series";
  public static final String ARRHENIUS = "Arrhenius";
  public static final String ARRHENIUS_TABLE = "ECM Arrhenius", XITAU_TABLE = "ECM xi-tau";
  static final String NONE = "none";

  /** Parameters (the dialog's fields; macro keys in brackets). */
  public static final class Params {
    public String table = "Results"; // [table] title of an open results table
    public String csv = ""; // [csv] a CSV file; wins over table when not empty
    public String temperature = "T_K"; // [temperature] column, K
    public String tau = "tau_med_s"; // [tau] column, s
    public String tauError = NONE; // [tau_error] column of 1-sigma errors of tau (s) or none
    public String xi = NONE; // [xi] column of correlation lengths (nm) or none
    public String xiError = NONE; // [xi_error] column of 1-sigma errors of xi (nm) or none
    public String model = ARRHENIUS; // [model] Arrhenius | adam-gibbs | imct | rfot
    public double rfotN = 0; // [rfot_n] RFOT exponent held fixed; 0 = fitted
  }

  /** Outputs of one run. */
  public static final class Result {
    public String source; // the table title or the CSV path
    public String model;
    public int rows; // rows in the table
    public double[] temp, tau, tauErr, xi, xiErr; // the columns read (null when not used)
    /** NativeStats.AR_* numbers (Arrhenius) or NativeStats.XT_* numbers (xi-tau). */
    public double[] fit;
    public double tMin, tMax; // temperature range of the rows used (NaN when not read)
    public ResultsTable table;
    /** The input was the system Results table (which then receives no result row). */
    public boolean fromSystemTable;
    public Plot plot;
  }

  private Result last;

  /** The outputs of the last successful run (for tests and scripts), or null. */
  public Result getResult() {
    return last;
  }

  @Override
  public void run(String arg) {
    try {
      Params p = ask();
      if (p == null) {
        Util.dontRecord();
        return;
      }
      Result r = compute(p);
      last = r;
      display(r);
    } catch (EcmException e) {
      Util.report(TITLE, e);
    } catch (RuntimeException e) {
      Util.internalError(TITLE, e);
    } catch (OutOfMemoryError e) {
      IJ.outOfMemory(TITLE);
    } finally {
      IJ.showProgress(1.0);
    }
  }

  /** "Arrhenius" followed by the core's xi-tau model names. */
  static String[] models() {
    String[] xt = NativeStats.xiTauModels();
    String[] all = new String[xt.length + 1];
    all[0] = ARRHENIUS;
    System.arraycopy(xt, 0, all, 1, xt.length);
    return all;
  }

  static String model(String s) {
    String[] all = models();
    for (String m : all)
      if (m.equalsIgnoreCase(s.trim())) return m;
    throw new EcmException(EcmException.EINVAL, "model '" + s + "' is not one of "
        + String.join(", ", all));
  }

  /** The dialog (one macro line), or the macro options when headless. */
  Params ask() {
    Settings st = new Settings("tseries");
    Params p = new Params();
    p.table = st.get("table", p.table);
    p.csv = st.get("csv", p.csv);
    p.temperature = st.get("temperature", p.temperature);
    p.tau = st.get("tau", p.tau);
    p.tauError = st.get("tau_error", p.tauError);
    p.xi = st.get("xi", p.xi);
    p.xiError = st.get("xi_error", p.xiError);
    p.model = st.get("model", p.model);
    p.rfotN = st.get("rfot_n", p.rfotN);
    if (Util.headless()) {
      Util.Options o = Util.Options.current();
      if (o.present()) {
        Params d = new Params();
        p.table = o.text("table", d.table);
        p.csv = o.text("csv", d.csv);
        p.temperature = o.text("temperature", d.temperature);
        p.tau = o.text("tau", d.tau);
        p.tauError = o.text("tau_error", d.tauError);
        p.xi = o.text("xi", d.xi);
        p.xiError = o.text("xi_error", d.xiError);
        p.model = model(o.text("model", d.model));
        p.rfotN = o.number("rfot_n", d.rfotN);
      }
      return p;
    }
    String[] all = models();
    String m = ARRHENIUS;
    for (String s : all)
      if (s.equalsIgnoreCase(p.model)) m = s;
    GenericDialog gd = new GenericDialog(TITLE);
    gd.addMessage("Rows of an open table (or of a CSV file, which wins when given): one row per"
        + " temperature.\nColumns are named by their headings; 'none' = no such column.");
    gd.addStringField("Table (title of an open results table)", p.table, 24);
    gd.addFileField("Csv (file; empty = use the table)", p.csv, 24);
    gd.addStringField("Temperature (column, K)", p.temperature, 16);
    gd.addStringField("Tau (column, s)", p.tau, 16);
    gd.addStringField("Tau_error (column of 1-sigma errors, s, or none)", p.tauError, 16);
    gd.addStringField("Xi (column, nm, or none; xi-tau models)", p.xi, 16);
    gd.addStringField("Xi_error (column, nm, or none)", p.xiError, 16);
    gd.addChoice("Model", all, m);
    gd.addNumericField("Rfot_n (RFOT exponent held fixed; 0 = fitted)", p.rfotN, 3);
    Help.add(gd, "temperature-series");
    gd.showDialog();
    if (gd.wasCanceled()) return null;
    p.table = gd.getNextString().trim();
    p.csv = gd.getNextString().trim();
    p.temperature = gd.getNextString().trim();
    p.tau = gd.getNextString().trim();
    p.tauError = gd.getNextString().trim();
    p.xi = gd.getNextString().trim();
    p.xiError = gd.getNextString().trim();
    p.model = model(gd.getNextChoice());
    p.rfotN = gd.getNextNumber();
    if (gd.invalidNumber())
      throw new EcmException(EcmException.EINVAL, "rfot_n does not hold a number");
    st.set("table", p.table);
    st.set("csv", p.csv);
    st.set("temperature", p.temperature);
    st.set("tau", p.tau);
    st.set("tau_error", p.tauError);
    st.set("xi", p.xi);
    st.set("xi_error", p.xiError);
    st.set("model", p.model);
    st.set("rfot_n", p.rfotN);
    return p;
  }

  static boolean none(String col) {
    return col == null || col.trim().isEmpty() || col.trim().equalsIgnoreCase(NONE);
  }

  /**
   * The table to read: the CSV when given (ResultsTable.open; leading '#' comment lines, as
   * in the CLI's tables, are skipped), else the open table with that title. Headless, no
   * table window exists: there only table=Results (the system Results table) can be read.
   */
  static ResultsTable source(Params p) {
    if (p.csv != null && !p.csv.trim().isEmpty()) {
      File f = new File(p.csv.trim());
      if (!f.isFile())
        throw new EcmException(EcmException.EINVAL, "csv=[" + p.csv + "]: the file does not"
            + " exist (or is not a file)");
      try {
        return ResultsTable.open(withoutComments(f).getPath());
      } catch (IOException | RuntimeException e) {
        throw new EcmException(EcmException.EINVAL, "csv=[" + p.csv + "] cannot be read as a"
            + " table: " + e.getMessage());
      }
    }
    String title = p.table == null || p.table.trim().isEmpty() ? "Results" : p.table.trim();
    ResultsTable rt = ResultsTable.getResultsTable(title);
    if (rt == null && title.equals("Results")) rt = ResultsTable.getResultsTable();
    if (rt == null) {
      String[] open = WindowManager.getNonImageTitles();
      throw new EcmException(EcmException.EINVAL, "table=[" + title + "]: no open table has that"
          + " title" + (open.length > 0 ? " (open windows: " + String.join(", ", open) + ")" : "")
          + (Util.headless() ? "; headless, only table=Results (the system Results table) or"
                      + " csv=[file] can be read"
                             : ""));
    }
    return rt;
  }

  /** f itself, or a temporary copy without the lines starting with '#'. */
  private static File withoutComments(File f) throws IOException {
    List<String> lines = Files.readAllLines(f.toPath(), StandardCharsets.UTF_8);
    boolean any = false;
    for (String l : lines) any |= l.trim().startsWith("#");
    if (!any) return f;
    File tmp = File.createTempFile("ecm-tseries-", ".csv");
    tmp.deleteOnExit();
    try (PrintWriter w = new PrintWriter(tmp, "UTF-8")) {
      for (String l : lines)
        if (!l.trim().startsWith("#")) w.println(l);
    }
    return tmp;
  }

  static String columns(ResultsTable rt) {
    String[] h = rt.getHeadings();
    List<String> out = new ArrayList<>();
    for (String s : h)
      if (s != null && !s.trim().isEmpty()) out.add(s);
    return out.isEmpty() ? "none" : String.join(", ", out);
  }

  /** Column `name` (key `key`) as doubles, or null for "none" when optional. */
  static double[] column(ResultsTable rt, String source, String key, String name,
      boolean required) {
    if (none(name)) {
      if (required)
        throw new EcmException(EcmException.EINVAL, key + ": a column is required here (got '"
            + name + "'); " + source + " has the columns: " + columns(rt));
      return null;
    }
    String c = name.trim();
    if (rt.getColumnIndex(c) == ResultsTable.COLUMN_NOT_FOUND)
      throw new EcmException(EcmException.EINVAL, key + "=" + c + ": " + source
          + " has no column '" + c + "'; its columns are: " + columns(rt));
    double[] v = new double[rt.size()];
    for (int i = 0; i < v.length; i++) v[i] = rt.getValue(c, i);
    return v;
  }

  /** Refuse values that are infinite or not positive (NaN rows are skipped by the fits). */
  static void positive(double[] v, String key, String col) {
    if (v == null) return;
    for (int i = 0; i < v.length; i++) {
      if (Double.isNaN(v[i])) continue;
      if (!(v[i] > 0) || Double.isInfinite(v[i]))
        throw new EcmException(EcmException.EINVAL, "row " + (i + 1) + ": " + key + " column '"
            + col + "' holds " + Util.fmt(v[i]) + "; it must be positive and finite");
    }
  }

  /** The computation: no dialog, no display. Throws EcmException for any refusal. */
  public static Result compute(Params p) {
    String m = model(p.model);
    boolean arr = m.equals(ARRHENIUS);
    ResultsTable rt = source(p);
    boolean fromCsv = p.csv != null && !p.csv.trim().isEmpty();
    String source = fromCsv ? "'" + p.csv.trim() + "'" : "table '" + p.table + "'";
    Result r = new Result();
    r.source = fromCsv ? p.csv.trim() : p.table;
    r.model = m;
    r.fromSystemTable = rt == ResultsTable.getResultsTable();
    r.rows = rt.size();
    if (r.rows == 0)
      throw new EcmException(EcmException.ENODATA, source + " holds no rows");
    int xm = arr ? -1 : java.util.Arrays.asList(NativeStats.xiTauModels()).indexOf(m);
    boolean rfot = xm == 2;
    r.temp = column(rt, source, "temperature", p.temperature, arr || rfot);
    r.tau = column(rt, source, "tau", p.tau, true);
    r.tauErr = column(rt, source, "tau_error", p.tauError, false);
    if (!arr) {
      r.xi = column(rt, source, "xi", p.xi, true);
      r.xiErr = column(rt, source, "xi_error", p.xiError, false);
    }
    positive(r.temp, "temperature", p.temperature);
    positive(r.tau, "tau", p.tau);
    positive(r.tauErr, "tau_error", p.tauError);
    positive(r.xi, "xi", p.xi);
    positive(r.xiErr, "xi_error", p.xiError);
    int used = 0;
    r.tMin = Double.NaN;
    r.tMax = Double.NaN;
    for (int i = 0; i < r.rows; i++) {
      boolean ok = !Double.isNaN(r.tau[i]) && (r.temp == null || !Double.isNaN(r.temp[i]))
          && (r.tauErr == null || !Double.isNaN(r.tauErr[i]))
          && (r.xi == null || !Double.isNaN(r.xi[i]))
          && (r.xiErr == null || !Double.isNaN(r.xiErr[i]));
      if (!ok) continue;
      used++;
      if (r.temp != null) {
        r.tMin = Double.isNaN(r.tMin) ? r.temp[i] : Math.min(r.tMin, r.temp[i]);
        r.tMax = Double.isNaN(r.tMax) ? r.temp[i] : Math.max(r.tMax, r.temp[i]);
      }
    }
    if (used < 3)
      throw new EcmException(EcmException.ENODATA, source + " has " + r.rows + " row(s), "
          + used + " with every value needed: a temperature-series fit needs at least 3");
    IJ.log(TITLE + ": " + m + " fit of " + source + ", " + used + " of " + r.rows + " rows; "
        + (arr ? "T=" + p.temperature + ", " : "")
        + "tau=" + p.tau + ", tau_error=" + (r.tauErr == null ? "none (unweighted)" : p.tauError)
        + (arr ? "" : ", xi=" + p.xi + ", xi_error=" + (r.xiErr == null ? "none" : p.xiError)
                    + (rfot ? ", T=" + p.temperature + ", n "
                                  + (p.rfotN > 0 ? "held at " + Util.fmt(p.rfotN) : "fitted")
                            : "")));
    if (arr) {
      r.fit = NativeStats.arrhenius(r.temp, r.tau, r.tauErr);
      r.table = arrheniusTable(r);
      r.plot = arrheniusPlot(r);
      double[] f = r.fit;
      IJ.log(TITLE + ": E = " + Util.fmt(f[NativeStats.AR_E_EV]) + " +- "
          + Util.fmt(f[NativeStats.AR_E_EV_ERR]) + " eV (" + Util.fmt(f[NativeStats.AR_E_KJ])
          + " +- " + Util.fmt(f[NativeStats.AR_E_KJ_ERR]) + " kJ/mol), tau0 = "
          + Util.fmt(f[NativeStats.AR_TAU_INF]) + " s, chi2_red = "
          + Util.fmt(f[NativeStats.AR_CHI2_RED]));
    } else {
      if (p.rfotN < 0 || Double.isNaN(p.rfotN) || Double.isInfinite(p.rfotN))
        throw new EcmException(EcmException.EINVAL, "rfot_n must be >= 0 (0 = fitted)");
      if (!rfot && p.rfotN > 0)
        throw new EcmException(EcmException.EINVAL, "rfot_n applies to the rfot model only");
      r.fit = NativeStats.xiTau(xm, p.rfotN > 0, p.rfotN > 0 ? p.rfotN : 1, 0.1, 5, true,
          rfot ? r.temp : null, r.tau, r.tauErr, r.xi, r.xiErr);
      r.table = xiTauTable(r);
      r.plot = xiTauPlot(r);
      double[] f = r.fit;
      IJ.log(TITLE + ": " + m + ": a = " + Util.fmt(f[NativeStats.XT_A]) + " +- "
          + Util.fmt(f[NativeStats.XT_A_ERR]) + ", b = " + Util.fmt(f[NativeStats.XT_B]) + " +- "
          + Util.fmt(f[NativeStats.XT_B_ERR])
          + (rfot ? ", n = " + Util.fmt(f[NativeStats.XT_N_EXP]) + " +- "
                  + Util.fmt(f[NativeStats.XT_N_EXP_ERR])
                  : "")
          + ", chi2_red = " + Util.fmt(f[NativeStats.XT_CHI2_RED]));
      if (f[NativeStats.XT_N_AT_BOUND] != 0)
        IJ.log(TITLE + ": the RFOT exponent n = " + Util.fmt(f[NativeStats.XT_N_EXP])
            + " sits on the search bound [0.1, 5]: hold it with rfot_n");
    }
    return r;
  }

  static ResultsTable arrheniusTable(Result r) {
    double[] f = r.fit;
    ResultsTable t = new ResultsTable();
    t.setPrecision(9);
    t.incrementCounter();
    t.addValue("source", r.source);
    t.addValue("n", f[NativeStats.AR_N]);
    t.addValue("dof", f[NativeStats.AR_DOF]);
    t.addValue("weighted", f[NativeStats.AR_WEIGHTED]);
    t.addValue("E_eV", f[NativeStats.AR_E_EV]);
    t.addValue("E_err_eV", f[NativeStats.AR_E_EV_ERR]);
    t.addValue("E_err_scaled_eV", f[NativeStats.AR_E_EV_ERR_SCALED]);
    t.addValue("E_kJ_per_mol", f[NativeStats.AR_E_KJ]);
    t.addValue("E_err_kJ_per_mol", f[NativeStats.AR_E_KJ_ERR]);
    t.addValue("E_err_scaled_kJ_per_mol", f[NativeStats.AR_E_KJ_ERR_SCALED]);
    t.addValue("tau0_s", f[NativeStats.AR_TAU_INF]);
    t.addValue("tau0_err_s", f[NativeStats.AR_TAU_INF_ERR]);
    t.addValue("ln_tau0", f[NativeStats.AR_LN_TAU_INF]);
    t.addValue("ln_tau0_err", f[NativeStats.AR_LN_TAU_INF_ERR]);
    t.addValue("cov_ln_tau0_E_eV", f[NativeStats.AR_COV]);
    t.addValue("chi2", f[NativeStats.AR_CHI2]);
    t.addValue("chi2_red", f[NativeStats.AR_CHI2_RED]);
    t.addValue("T_min_K", r.tMin);
    t.addValue("T_max_K", r.tMax);
    return t;
  }

  /** ln tau against 1000/T with error bars sigma_ln_tau = tau_err / tau and the fitted line. */
  static Plot arrheniusPlot(Result r) {
    double[] f = r.fit;
    List<double[]> pts = new ArrayList<>();
    for (int i = 0; i < r.rows; i++) {
      if (Double.isNaN(r.temp[i]) || Double.isNaN(r.tau[i])) continue;
      if (r.tauErr != null && Double.isNaN(r.tauErr[i])) continue;
      pts.add(new double[] {1000 / r.temp[i], Math.log(r.tau[i]),
          r.tauErr != null ? r.tauErr[i] / r.tau[i] : 0});
    }
    double[] x = new double[pts.size()], y = new double[x.length], e = new double[x.length];
    for (int i = 0; i < x.length; i++) {
      x[i] = pts.get(i)[0];
      y[i] = pts.get(i)[1];
      e[i] = pts.get(i)[2];
    }
    double slope = f[NativeStats.AR_E_EV] / (KB() * 1000); // d ln tau / d(1000/T)
    double x0 = 1000 / r.tMax, x1 = 1000 / r.tMin;
    double[] lx = {x0, x1};
    double[] ly = {f[NativeStats.AR_LN_TAU_INF] + slope * x0,
        f[NativeStats.AR_LN_TAU_INF] + slope * x1};
    Plot plot = new Plot("Arrhenius: " + r.source, "1000/T (1/K)", "ln(tau / s)");
    plot.setColor(Color.blue);
    plot.add("circle", x, y);
    if (r.tauErr != null) plot.addErrorBars(e);
    plot.setColor(Color.red);
    plot.add("line", lx, ly);
    plot.setColor(Color.black);
    plot.addLegend(String.format(Locale.ROOT, "data (%d rows)\nE_a = %.3g \u00b1 %.2g eV (%.3g \u00b1 %.2g"
            + " kJ/mol)",
        x.length, f[NativeStats.AR_E_EV], f[NativeStats.AR_E_EV_ERR], f[NativeStats.AR_E_KJ],
        f[NativeStats.AR_E_KJ_ERR]));
    plot.setLimitsToFit(false);
    return plot;
  }

  private static double KB() {
    return NativeStats.KB_EV_PER_K;
  }

  static final String[] XT_EQUATION = {"ln tau = a + b xi", "ln xi = a + b ln tau",
      "ln tau = a + b (xi / (k_B T))^n"};
  static final String[] XT_A_UNIT = {"ln(s)", "ln(nm)", "ln(s)"};
  static final String[] XT_B_UNIT = {"1/nm", "1", "(eV/nm)^n"};

  static ResultsTable xiTauTable(Result r) {
    double[] f = r.fit;
    int k = (int) f[NativeStats.XT_MODEL];
    ResultsTable t = new ResultsTable();
    t.setPrecision(9);
    t.incrementCounter();
    t.addValue("source", r.source);
    t.addValue("model", r.model);
    t.addValue("equation", XT_EQUATION[k]);
    t.addValue("n_rows", f[NativeStats.XT_N]);
    t.addValue("dof", f[NativeStats.XT_DOF]);
    t.addValue("weighted", f[NativeStats.XT_WEIGHTED]);
    t.addValue("a", f[NativeStats.XT_A]);
    t.addValue("a_err", f[NativeStats.XT_A_ERR]);
    t.addValue("a_err_scaled", f[NativeStats.XT_A_ERR_SCALED]);
    t.addValue("a_unit", XT_A_UNIT[k]);
    t.addValue("b", f[NativeStats.XT_B]);
    t.addValue("b_err", f[NativeStats.XT_B_ERR]);
    t.addValue("b_err_scaled", f[NativeStats.XT_B_ERR_SCALED]);
    t.addValue("b_unit", XT_B_UNIT[k]);
    t.addValue("cov_ab", f[NativeStats.XT_COV_AB]);
    if (k == 2) {
      t.addValue("n", f[NativeStats.XT_N_EXP]);
      t.addValue("n_err", f[NativeStats.XT_N_EXP_ERR]);
      t.addValue("n_err_scaled", f[NativeStats.XT_N_EXP_ERR_SCALED]);
      t.addValue("n_fitted", f[NativeStats.XT_N_FITTED]);
      t.addValue("n_at_bound", f[NativeStats.XT_N_AT_BOUND]);
      t.addValue("cov_b_n", f[NativeStats.XT_COV_B_N]);
    }
    t.addValue("chi2", f[NativeStats.XT_CHI2]);
    t.addValue("chi2_red", f[NativeStats.XT_CHI2_RED]);
    t.addValue("iterations", f[NativeStats.XT_ITERATIONS]);
    if (r.temp != null) {
      t.addValue("T_min_K", r.tMin);
      t.addValue("T_max_K", r.tMax);
    }
    return t;
  }

  /** The model's tau at (xi, T): Adam-Gibbs and RFOT directly, IMCT inverted. */
  static double modelTau(double[] f, double xi, double tK) {
    int k = (int) f[NativeStats.XT_MODEL];
    double a = f[NativeStats.XT_A], b = f[NativeStats.XT_B];
    if (k == 0) return Math.exp(a + b * xi);
    if (k == 1) return Math.exp((Math.log(xi) - a) / b);
    return Math.exp(a + b * Math.pow(xi / (KB() * tK), f[NativeStats.XT_N_EXP]));
  }

  /** tau against xi (log tau axis) with tau error bars and the model curve. */
  static Plot xiTauPlot(Result r) {
    double[] f = r.fit;
    int k = (int) f[NativeStats.XT_MODEL];
    List<double[]> pts = new ArrayList<>();
    for (int i = 0; i < r.rows; i++) {
      if (Double.isNaN(r.tau[i]) || Double.isNaN(r.xi[i])) continue;
      if (k == 2 && Double.isNaN(r.temp[i])) continue;
      pts.add(new double[] {r.xi[i], r.tau[i], r.tauErr != null ? r.tauErr[i] : 0,
          r.xiErr != null ? r.xiErr[i] : 0, k == 2 ? r.temp[i] : Double.NaN});
    }
    pts.sort((u, v) -> Double.compare(u[0], v[0]));
    int n = pts.size();
    double[] x = new double[n], y = new double[n], ey = new double[n], ex = new double[n];
    for (int i = 0; i < n; i++) {
      x[i] = pts.get(i)[0];
      y[i] = pts.get(i)[1];
      ey[i] = pts.get(i)[2];
      ex[i] = pts.get(i)[3];
    }
    double[] cx, cy;
    if (k == 2) { // RFOT depends on T as well: the model at each row's (xi, T)
      cx = x.clone();
      cy = new double[n];
      for (int i = 0; i < n; i++) cy[i] = modelTau(f, x[i], pts.get(i)[4]);
    } else {
      int m = 100;
      cx = new double[m];
      cy = new double[m];
      double lo = x[0], hi = x[n - 1];
      for (int i = 0; i < m; i++) {
        cx[i] = lo + (hi - lo) * i / (m - 1);
        cy[i] = modelTau(f, cx[i], Double.NaN);
      }
    }
    Plot plot = new Plot(r.model + ": " + r.source, "xi (nm)", "tau (s)");
    plot.setAxisYLog(true);
    plot.setColor(Color.blue);
    plot.add("circle", x, y);
    if (r.tauErr != null) plot.addErrorBars(ey);
    if (r.xiErr != null) plot.addHorizontalErrorBars(ex);
    plot.setColor(Color.red);
    plot.add("line", cx, cy);
    plot.setColor(Color.black);
    String params = String.format(Locale.ROOT, "%s: a = %.3g \u00b1 %.2g, b = %.3g \u00b1 %.2g%s",
        XT_EQUATION[k], f[NativeStats.XT_A], f[NativeStats.XT_A_ERR], f[NativeStats.XT_B],
        f[NativeStats.XT_B_ERR],
        k == 2 ? String.format(Locale.ROOT, ", n = %.3g \u00b1 %.2g", f[NativeStats.XT_N_EXP],
                     f[NativeStats.XT_N_EXP_ERR])
               : "");
    plot.addLegend("data (" + n + " rows)\n" + params);
    plot.setLimitsToFit(false);
    return plot;
  }

  /**
   * The result row also goes to the system Results table, the one table a macro can read in
   * every mode (getResult("E_eV", nResults-1)), unless the data came from that table: the
   * input rows are never touched. Then the plot and the result table are shown.
   */
  static void display(Result r) {
    if (!r.fromSystemTable) {
      ResultsTable sys = ResultsTable.getResultsTable();
      sys.setPrecision(9);
      sys.incrementCounter();
      for (String h : r.table.getHeadings()) {
        int c = r.table.getColumnIndex(h);
        if (c == ResultsTable.COLUMN_NOT_FOUND) continue;
        String sv = r.table.getStringValue(h, 0);
        double dv = r.table.getValue(h, 0);
        if (Double.isNaN(dv) && sv != null && !sv.equals("NaN")) sys.addValue(h, sv);
        else sys.addValue(h, dv);
      }
      if (!Util.headless()) sys.show("Results");
    }
    if (Util.headless()) return;
    r.plot.show();
    r.table.show(r.model.equals(ARRHENIUS) ? ARRHENIUS_TABLE : XITAU_TABLE);
  }
}
