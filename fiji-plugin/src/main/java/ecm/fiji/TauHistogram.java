package ecm.fiji;

import ij.IJ;
import ij.ImagePlus;
import ij.gui.GenericDialog;
import ij.gui.Plot;
import ij.measure.ResultsTable;
import ij.plugin.PlugIn;
import java.awt.Color;
import java.util.Locale;

/**
 * Plugins>ECM>Tau Histogram: the distribution of the relaxation times of a tau map (the
 * current 32-bit image, e.g. "&lt;title&gt;_tau" of Relaxation Maps; NaN pixels are not
 * converged and ignored), inside the ROI when there is one: a histogram on logarithmic bins
 * with the maximum-likelihood log-normal fit overlaid (ecm_stats_lognormal_fit), and a row
 * with tau_med, sigma, mode and FWHM.
 */
public class TauHistogram implements PlugIn {
  static final String TITLE = "Tau Histogram";
  /** Title of the table that collects one summary row per run. */
  public static final String TABLE = "ECM tau histogram";
  /** Title of the table of the displayed histogram (one row per bin). */
  public static final String BINS_TABLE = "ECM tau histogram bins";

  /** Parameters (the dialog's fields; macro keys in brackets). */
  public static final class Params {
    public int bins = 0; // [bins] 0 = automatic (Freedman-Diaconis on ln tau, 5..100)
    public boolean logAxis = true; // [log_axis] tau on a log axis; off: log10(tau) on a linear axis
  }

  /** Outputs of one run. */
  public static final class Result {
    /** NativeG2.H_* numbers of the values used. */
    public double[] stats;
    public double[] edges, counts, expected;
    public int bins;
    /** The value unit of the map ("s", "frames", ...) and its column suffix ("_s", ...). */
    public String unit, suffix;
    public Plot plot;
    /** This run's summary row (also appended to the system Results table). */
    public ResultsTable row;
    /** The histogram, one row per bin. */
    public ResultsTable binsTable;
  }

  private Result last;
  private static ResultsTable headlessTable;

  /** The outputs of the last successful run (for tests and scripts), or null. */
  public Result getResult() {
    return last;
  }

  @Override
  public void run(String arg) {
    Util.runOnCurrentImage(TITLE, this::ask, TauHistogram::compute, TauHistogram::display,
        r -> last = r);
  }

  Params ask(ImagePlus imp) {
    Settings st = new Settings("histogram");
    Params p = new Params();
    p.bins = (int) st.get("bins", 0.0);
    p.logAxis = st.get("log_axis", true);
    if (Util.headless()) {
      Util.Options o = Util.Options.current();
      if (o.present()) {
        p.bins = Util.toInt("bins", o.number("bins", 0), 0, 100000);
        p.logAxis = o.flag("log_axis", false);
      }
      return p;
    }
    GenericDialog gd = new GenericDialog(TITLE);
    gd.addMessage("Map: " + imp.getTitle() + " (values in "
        + (imp.getCalibration().getValueUnit().isEmpty() ? "no unit"
                                                          : imp.getCalibration().getValueUnit())
        + ")" + (imp.getRoi() != null && imp.getRoi().isArea()
                     ? "\nOnly pixels inside the ROI are counted." : ""));
    gd.addNumericField("Bins (0 = automatic)", p.bins, 0);
    gd.addCheckbox("Log_axis (tau on a logarithmic axis; off: log10 tau)", p.logAxis);
    Help.add(gd, "tau-histogram");
    gd.showDialog();
    if (gd.wasCanceled()) return null;
    p.bins = Util.toInt("bins", gd.getNextNumber(), 0, 100000);
    p.logAxis = gd.getNextBoolean();
    if (gd.invalidNumber())
      throw new EcmException(EcmException.EINVAL, "a field does not hold a number");
    st.set("bins", p.bins);
    st.set("log_axis", p.logAxis);
    return p;
  }

  /** True for a unit of time (as the core's ecm_calib_dt_seconds reads it) or frames. */
  static boolean timeUnit(String u) {
    String s = u == null ? "" : u.trim().toLowerCase(Locale.ROOT);
    switch (s) {
      case "s": case "sec": case "second": case "seconds": case "ms": case "msec": case "us":
      case "\u00b5s": case "\u03bcs": case "ns": case "min": case "h": case "hr": case "hour":
      case "hours": case "frame": case "frames":
        return true;
      default:
        return false;
    }
  }

  /** The computation: no dialog, no display. Throws EcmException for any refusal. */
  public static Result compute(ImagePlus imp, Params p, Progress progress) {
    if (imp.getType() == ImagePlus.COLOR_RGB || imp.getType() == ImagePlus.COLOR_256)
      throw new EcmException(EcmException.EUNSUPPORTED, "'" + imp.getTitle()
          + "' is a colour image: the tau histogram needs a 32-bit tau map (Relaxation Maps'"
          + " <title>_tau)");
    if (imp.getBitDepth() != 32)
      throw new EcmException(EcmException.EUNSUPPORTED, "'" + imp.getTitle() + "' is "
          + imp.getBitDepth() + "-bit: the tau histogram needs a 32-bit tau map (Relaxation"
          + " Maps' <title>_tau)");
    String unit = imp.getCalibration().getValueUnit();
    if (!timeUnit(unit))
      throw new EcmException(EcmException.EINVAL, "'" + imp.getTitle() + "' has value unit '"
          + unit + "', not a time: the tau histogram needs a tau map whose value unit is a time"
          + " unit or 'frames' (Relaxation Maps sets it; Image>Properties does not, but a macro"
          + " can: Stack.setUnits or Calibrate)");
    if (p.bins < 0 || p.bins > 100000)
      throw new EcmException(EcmException.EINVAL, "bins must be in [0, 100000]");
    byte[] mask = Util.roiMaskChecked(imp);
    float[] v = (float[]) imp.getProcessor().getPixels();
    double[] s = NativeG2.tauStats(v, mask);
    long nonpos = (long) s[NativeG2.H_N_NONPOS];
    if (nonpos > 0)
      throw new EcmException(EcmException.EINVAL, "'" + imp.getTitle() + "' holds " + nonpos
          + " value(s) <= 0: relaxation times are positive (not-converged pixels are NaN);"
          + " is this a tau map?");
    Result r = new Result();
    r.stats = s;
    r.unit = unit.equals("frame") ? "frames" : unit;
    r.suffix = "_" + r.unit.replaceAll("[^A-Za-z0-9]", "");
    long n = (long) s[NativeG2.H_N_USED];
    double lo = s[NativeG2.H_MIN], hi = s[NativeG2.H_MAX];
    if (!(hi > lo * (1 + 1e-9))) { // all values (nearly) equal
      lo = lo / 1.5;
      hi = hi * 1.5;
    }
    int bins = p.bins;
    if (bins == 0) bins = autoBins(n, s[NativeG2.H_Q25], s[NativeG2.H_Q75], lo, hi);
    double[][] h = NativeG2.histogram(v, mask, lo, hi, bins, true);
    r.edges = h[0];
    r.counts = h[1];
    r.bins = bins;
    // expected counts of the fitted log-normal per bin: n P(tau) tau dln(tau) at the bin's
    // geometric centre
    double dln = Math.log(hi / lo) / bins;
    double[] centre = new double[bins];
    for (int k = 0; k < bins; k++) centre[k] = Math.sqrt(r.edges[k] * r.edges[k + 1]);
    // (sigma ~ 0, all values equal, has no density to draw)
    boolean curve = s[NativeG2.H_SIGMA] > 1e-9;
    double[] pdf = curve ? NativeG2.lognormalPdf(centre, s[NativeG2.H_TAU_MED],
        s[NativeG2.H_SIGMA]) : new double[bins];
    r.expected = new double[bins];
    for (int k = 0; k < bins; k++) r.expected[k] = n * pdf[k] * centre[k] * dln;
    r.plot = plot(imp.getTitle(), r, p.logAxis, lo, hi, dln);
    r.row = summaryRow(imp.getTitle(), r, mask != null);
    r.binsTable = binsTable(r);
    IJ.log(TITLE + ": " + imp.getTitle() + (mask != null ? " (ROI)" : "") + ": " + n
        + " values (" + (long) s[NativeG2.H_N_NAN] + " NaN ignored), " + bins + " bins"
        + (p.bins == 0 ? " (automatic)" : "") + "; tau_med=" + Util.fmt(s[NativeG2.H_TAU_MED])
        + " " + r.unit + ", sigma=" + Util.fmt(s[NativeG2.H_SIGMA]) + ", mode="
        + Util.fmt(s[NativeG2.H_MODE]) + ", FWHM=" + Util.fmt(s[NativeG2.H_FWHM]));
    return r;
  }

  /**
   * Freedman-Diaconis on ln tau: width 2 IQR n^(-1/3), IQR = ln(q75/q25) from the quartiles
   * of tau; 5..100 bins; 30 when the quartiles coincide.
   */
  static int autoBins(long n, double q25, double q75, double lo, double hi) {
    double iqr = Math.log(q75 / q25);
    if (!(iqr > 0) || n < 2) return 30;
    double w = 2 * iqr / Math.cbrt((double) n);
    double b = Math.ceil(Math.log(hi / lo) / w);
    if (!(b >= 5)) return 5;
    return (int) Math.min(100, b);
  }

  /** Histogram as a step outline, the log-normal curve over it, fit values in the legend. */
  static Plot plot(String title, Result r, boolean logAxis, double lo, double hi, double dln) {
    double[] s = r.stats;
    int b = r.bins;
    double[] sx = new double[2 * b + 2], sy = new double[2 * b + 2];
    sx[0] = r.edges[0];
    sy[0] = 0;
    for (int k = 0; k < b; k++) {
      sx[2 * k + 1] = r.edges[k];
      sy[2 * k + 1] = r.counts[k];
      sx[2 * k + 2] = r.edges[k + 1];
      sy[2 * k + 2] = r.counts[k];
    }
    sx[2 * b + 1] = r.edges[b];
    sy[2 * b + 1] = 0;
    int m = 200;
    double[] cx = new double[m];
    double a = Math.log(lo), z = Math.log(hi);
    for (int i = 0; i < m; i++) cx[i] = Math.exp(a + (z - a) * i / (m - 1));
    double[] pdf = s[NativeG2.H_SIGMA] > 1e-9
        ? NativeG2.lognormalPdf(cx, s[NativeG2.H_TAU_MED], s[NativeG2.H_SIGMA])
        : new double[m];
    double[] cy = new double[m];
    double ymax = 0;
    for (int i = 0; i < m; i++) {
      cy[i] = s[NativeG2.H_N_USED] * pdf[i] * cx[i] * dln;
      ymax = Math.max(ymax, cy[i]);
    }
    for (double c : r.counts) ymax = Math.max(ymax, c);
    if (!logAxis) {
      for (int i = 0; i < sx.length; i++) sx[i] = Math.log10(sx[i]);
      for (int i = 0; i < m; i++) cx[i] = Math.log10(cx[i]);
    }
    String u = r.unit;
    Plot p = new Plot(TITLE + " of " + title,
        logAxis ? "\u03c4 (" + u + ")" : "log10 \u03c4 (" + u + ")", "pixels per bin");
    if (logAxis) {
      p.setLogScaleX();
      p.setLimits(lo / 1.15, hi * 1.15, 0, ymax * 1.3 + 1e-12);
    } else {
      double pad = 0.03 * (Math.log10(hi) - Math.log10(lo));
      p.setLimits(Math.log10(lo) - pad, Math.log10(hi) + pad, 0, ymax * 1.3 + 1e-12);
    }
    p.setColor(Color.darkGray);
    p.addPoints(sx, sy, Plot.LINE);
    p.setColor(Color.red);
    p.setLineWidth(2);
    p.addPoints(cx, cy, Plot.LINE);
    p.setLineWidth(1);
    p.setColor(Color.black);
    String f3 = "%.3g";
    p.setLegend(String.format(Locale.ROOT, "%s: %d pixels, %d bins\n"
                                  + "log-normal: \u03c4_med = " + f3 + " \u00b1 " + f3
                                  + " %s, \u03c3 = " + f3 + " \u00b1 " + f3 + ", mode " + f3
                                  + " %s, FWHM " + f3 + " %s",
                    title, (long) s[NativeG2.H_N_USED], b, s[NativeG2.H_TAU_MED],
                    s[NativeG2.H_TAU_MED_ERR], u, s[NativeG2.H_SIGMA], s[NativeG2.H_SIGMA_ERR],
                    s[NativeG2.H_MODE], u, s[NativeG2.H_FWHM], u),
        Plot.AUTO_POSITION);
    return p;
  }

  /** Add this run's numbers as a row of rt. */
  static void fillRow(ResultsTable rt, String title, Result r, boolean roi) {
    double[] s = r.stats;
    String u = r.suffix;
    rt.setPrecision(9);
    rt.incrementCounter();
    rt.addValue("image", title);
    rt.addValue("roi", roi ? 1 : 0);
    rt.addValue("n", s[NativeG2.H_N_USED]);
    rt.addValue("n_nan", s[NativeG2.H_N_NAN]);
    rt.addValue("n_inf", s[NativeG2.H_N_INF]);
    rt.addValue("bins", r.bins);
    rt.addValue("tau_med" + u, s[NativeG2.H_TAU_MED]);
    rt.addValue("tau_med_err" + u, s[NativeG2.H_TAU_MED_ERR]);
    rt.addValue("sigma", s[NativeG2.H_SIGMA]);
    rt.addValue("sigma_err", s[NativeG2.H_SIGMA_ERR]);
    rt.addValue("mode" + u, s[NativeG2.H_MODE]);
    rt.addValue("fwhm" + u, s[NativeG2.H_FWHM]);
    rt.addValue("tau_median" + u, s[NativeG2.H_MEDIAN]);
    rt.addValue("tau_q25" + u, s[NativeG2.H_Q25]);
    rt.addValue("tau_q75" + u, s[NativeG2.H_Q75]);
    rt.addValue("tau_min" + u, s[NativeG2.H_MIN]);
    rt.addValue("tau_max" + u, s[NativeG2.H_MAX]);
  }

  static ResultsTable summaryRow(String title, Result r, boolean roi) {
    ResultsTable t = new ResultsTable();
    fillRow(t, title, r, roi);
    return t;
  }

  static ResultsTable binsTable(Result r) {
    ResultsTable t = new ResultsTable();
    t.setPrecision(9);
    String u = r.suffix;
    for (int k = 0; k < r.bins; k++) {
      t.incrementCounter();
      t.addValue("tau_lo" + u, r.edges[k]);
      t.addValue("tau_hi" + u, r.edges[k + 1]);
      t.addValue("tau_centre" + u, Math.sqrt(r.edges[k] * r.edges[k + 1]));
      t.addValue("count", r.counts[k]);
      t.addValue("lognormal", r.expected[k]);
    }
    return t;
  }

  /** The plot, the row in "ECM tau histogram" and in the system Results table. */
  static void display(ImagePlus imp, Result r) {
    boolean roi = Util.roiMask(imp) != null;
    ResultsTable results = ResultsTable.getResultsTable();
    fillRow(results, imp.getTitle(), r, roi);
    if (Util.headless()) {
      synchronized (TauHistogram.class) {
        if (headlessTable == null) headlessTable = new ResultsTable();
        fillRow(headlessTable, imp.getTitle(), r, roi);
      }
      return;
    }
    ResultsTable own = ResultsTable.getResultsTable(TABLE);
    if (own == null) own = new ResultsTable();
    fillRow(own, imp.getTitle(), r, roi);
    own.show(TABLE);
    results.show("Results");
    r.binsTable.show(BINS_TABLE);
    r.plot.show();
  }

  /** The "ECM tau histogram" rows collected in a headless JVM (tests). */
  static synchronized ResultsTable headlessTable() {
    return headlessTable;
  }
}
