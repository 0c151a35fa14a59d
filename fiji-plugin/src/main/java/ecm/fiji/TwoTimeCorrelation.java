package ecm.fiji;

import ij.IJ;
import ij.ImagePlus;
import ij.gui.GenericDialog;
import ij.gui.Overlay;
import ij.gui.Plot;
import ij.gui.PointRoi;
import ij.gui.PolygonRoi;
import ij.gui.Roi;
import ij.measure.Calibration;
import ij.measure.ResultsTable;
import ij.plugin.PlugIn;
import ij.process.FloatProcessor;
import java.awt.Color;
import java.util.ArrayList;
import java.util.List;

/**
 * Plugins>ECM>Two-Time Correlation: G(t1, t2) (ecm_ttcf_compute) over the pixels of the
 * current stack (or its ROI) as an N x N 32-bit image with both axes in seconds, the edges
 * of its diagonal band (|t1 - t2| = tau_band at each age, as ecm_ttcf_analysis_create
 * measures it) as an overlay, a plot of tau_band versus age with the fitted aging line, and
 * the one-time KWW fit, the aging slope and the stationarity verdict as a row of the system
 * Results table.
 */
public class TwoTimeCorrelation implements PlugIn {
  static final String TITLE = "Two-Time Correlation";

  /** Parameters (the dialog's fields; macro keys in brackets). */
  public static final class Params {
    public double frameInterval = 0; // [frame_interval] s; 0 = from Image>Properties
    public int binTime = 1; // [bin_time] frames summed per time bin
    public int blockPx = 0; // [block] px; 0 = one set of all pixels, >= 2 = mean of blocks' G
    public boolean normalizePixels = false; // [normalize_pixels]
    public boolean includeDiagonal = false; // [include_diagonal] G(t,t) in g(t) and the band
    public double pointsPerDecade = 10; // [points_per_decade] log lag bins of g(t)
    public int bandWindow = 0; // [band_window] (binned) frames per age; 0 = max(8, N/16)
    public double changeFactor = 1.25; // [change_factor] verdict threshold, > 1
    public boolean slicesAsTime = true; // [slices_as_time]
    public int threads = 0; // [threads] 0 = all cores
  }

  /** Name of the overlay elements that draw the band edges on the TTCF image. */
  public static final String BAND_ROI = "ecm-ttcf-band";

  /** Outputs of one run. */
  public static final class Result {
    public ImagePlus ttcf;
    /** Everything the native call returned (band per age, one-time g). */
    public EcmNative.TtcfResult raw;
    /** Set by display: the tau-versus-age plot (kept for tests and headless use). */
    public Plot agePlot;
    /** Ages with a measured band width (the points of agePlot). */
    public int agePoints;
    public double[] summary;
    public String timeUnit; // "s" or "frames"
    public double binDt; // time per bin in timeUnit
    public int frames;
    public int binTime;
  }

  private Result last;

  /** The outputs of the last successful run (for tests and scripts), or null. */
  public Result getResult() {
    return last;
  }

  @Override
  public void run(String arg) {
    Util.runOnCurrentImage(TITLE, this::ask, TwoTimeCorrelation::compute, TwoTimeCorrelation::display, r -> last = r);
  }

  /**
   * The dialog (records one macro line), or the macro options when headless. Interactive
   * runs start from the remembered settings (ImageJ preferences); macro runs from the
   * built-in defaults.
   */
  Params ask(ImagePlus imp) {
    Settings st = new Settings("ttcf");
    Params p = new Params();
    p.frameInterval = st.get("frame_interval", 0.0);
    p.binTime = (int) st.get("bin_time", 1.0);
    p.blockPx = (int) st.get("block", 0.0);
    p.normalizePixels = st.get("normalize_pixels", false);
    p.includeDiagonal = st.get("include_diagonal", false);
    p.pointsPerDecade = st.get("points_per_decade", 10.0);
    p.bandWindow = (int) st.get("band_window", 0.0);
    p.changeFactor = st.get("change_factor", 1.25);
    p.slicesAsTime = st.get("slices_as_time", true);
    p.threads = (int) st.get("threads", 0.0);
    if (Util.headless()) {
      Util.Options o = Util.Options.current();
      if (o.present()) {
        p.frameInterval = o.number("frame_interval", 0);
        p.binTime = Util.toInt("bin_time", o.number("bin_time", 1), 1, Integer.MAX_VALUE);
        p.blockPx = Util.toInt("block", o.number("block", 0), 0, 1000000);
        p.normalizePixels = o.flag("normalize_pixels", false);
        p.includeDiagonal = o.flag("include_diagonal", false);
        p.pointsPerDecade = o.number("points_per_decade", 10);
        p.bandWindow = Util.toInt("band_window", o.number("band_window", 0), 0, 1000000000);
        p.changeFactor = o.number("change_factor", 1.25);
        p.slicesAsTime = o.flag("slices_as_time", false);
        p.threads = Util.toInt("threads", o.number("threads", 0), 0, 4096);
        check(p);
      }
      return p;
    }
    Calibration cal = imp.getCalibration();
    GenericDialog gd = new GenericDialog(TITLE);
    gd.addMessage("Image: " + imp.getTitle() + " (" + imp.getNFrames() + " frames, "
        + imp.getNSlices() + " slices); frame interval in Image>Properties: "
        + cal.frameInterval + " " + cal.getTimeUnit()
        + (Util.roiMask(imp) != null ? "; pixels inside the ROI" : "; all pixels"));
    gd.addNumericField("Frame_interval (s; 0 = from image)", p.frameInterval, 6);
    gd.addNumericField("Bin_time (frames per time bin)", p.binTime, 0);
    gd.addNumericField("Block (px; 0 = one set of all pixels, >= 2 = mean of blocks' G)",
        p.blockPx, 0);
    gd.addCheckbox("Normalize_pixels (divide each pixel by its time mean)", p.normalizePixels);
    gd.addCheckbox("Include_diagonal (G(t,t) in g(t) and as the band reference)",
        p.includeDiagonal);
    gd.addNumericField("Points_per_decade (log lag bins of g(t), 1-1000)", p.pointsPerDecade, 2);
    gd.addNumericField("Band_window (time bins per age; 0 = max(8, N/16))", p.bandWindow, 0);
    gd.addNumericField("Change_factor (verdict: stationary below this change, > 1)",
        p.changeFactor, 4);
    gd.addCheckbox("Slices_as_time (for a stack of Z-slices with 1 frame)", p.slicesAsTime);
    gd.addNumericField("Threads (0 = all cores)", p.threads, 0);
    Help.add(gd, "two-time-correlation");
    gd.showDialog();
    if (gd.wasCanceled()) return null;
    p.frameInterval = gd.getNextNumber();
    p.binTime = Util.toInt("bin_time", gd.getNextNumber(), 1, Integer.MAX_VALUE);
    p.blockPx = Util.toInt("block", gd.getNextNumber(), 0, 1000000);
    p.normalizePixels = gd.getNextBoolean();
    p.includeDiagonal = gd.getNextBoolean();
    p.pointsPerDecade = gd.getNextNumber();
    p.bandWindow = Util.toInt("band_window", gd.getNextNumber(), 0, 1000000000);
    p.changeFactor = gd.getNextNumber();
    p.slicesAsTime = gd.getNextBoolean();
    p.threads = Util.toInt("threads", gd.getNextNumber(), 0, 4096);
    if (gd.invalidNumber())
      throw new EcmException(EcmException.EINVAL, "a field does not hold a number");
    check(p);
    st.set("frame_interval", p.frameInterval);
    st.set("bin_time", p.binTime);
    st.set("block", p.blockPx);
    st.set("normalize_pixels", p.normalizePixels);
    st.set("include_diagonal", p.includeDiagonal);
    st.set("points_per_decade", p.pointsPerDecade);
    st.set("band_window", p.bandWindow);
    st.set("change_factor", p.changeFactor);
    st.set("slices_as_time", p.slicesAsTime);
    st.set("threads", p.threads);
    return p;
  }

  /** The ranges of `ecm ttcf` (core/cli/cli_ttcf.c) for the keys it shares. */
  static void check(Params p) {
    if (p.blockPx == 1 || p.blockPx < 0 || p.blockPx > 1000000)
      throw new EcmException(EcmException.EINVAL, "block=" + p.blockPx + ": use 0 (one set of"
          + " all pixels) or 2 to 1e6 px (a single pixel's G is identically 1)");
    if (!(p.pointsPerDecade >= 1 && p.pointsPerDecade <= 1000))
      throw new EcmException(EcmException.EINVAL, "points_per_decade must be in [1, 1000] (got "
          + Util.fmt(p.pointsPerDecade) + ")");
    if (p.bandWindow < 0 || p.bandWindow > 1000000000)
      throw new EcmException(EcmException.EINVAL,
          "band_window must be in [0, 1e9] time bins (0 = max(8, N/16))");
    if (!(p.changeFactor >= 1.000001 && p.changeFactor <= 1e6))
      throw new EcmException(EcmException.EINVAL, "change_factor must be in [1.000001, 1e6] (got "
          + Util.fmt(p.changeFactor) + ")");
  }

  /** The computation: no dialog, no display. Throws EcmException for any refusal. */
  public static Result compute(ImagePlus imp, Params p, Progress progress) {
    Object[] slices = Util.timeSlices(imp, p.slicesAsTime, "two-time correlation", 3);
    Util.TimeAxis axis = Util.timeAxis(imp, p.frameInterval);
    double dt = axis.dt;
    String unit = axis.unit;
    int w = imp.getWidth(), h = imp.getHeight();
    byte[] mask = Util.roiMask(imp);
    IJ.log(TITLE + ": " + imp.getTitle() + ", " + slices.length + " frames of " + w + " x " + h
        + ", frame interval " + (dt > 0 ? Util.fmt(dt) + " " + unit : "unknown (times in frames)")
        + ", bin_time=" + p.binTime + ", block=" + p.blockPx + ", normalize_pixels="
        + p.normalizePixels + ", include_diagonal=" + p.includeDiagonal + ", points_per_decade="
        + Util.fmt(p.pointsPerDecade) + ", band_window=" + p.bandWindow + ", change_factor="
        + Util.fmt(p.changeFactor) + ", roi=" + (mask == null ? "none" : Util.count(mask)
            + " px") + ", threads=" + p.threads);
    check(p);
    long t0 = System.nanoTime();
    EcmNative.TtcfResult t = EcmNative.ttcf(slices, w, h, dt, unit, p.binTime, p.blockPx,
        p.normalizePixels, p.includeDiagonal, p.pointsPerDecade, p.bandWindow, p.changeFactor,
        mask, p.threads, progress);
    double secs = (System.nanoTime() - t0) * 1e-9;
    double[] s = t.summary;
    Result r = new Result();
    r.raw = t;
    r.summary = s;
    r.frames = slices.length;
    r.binTime = p.binTime;
    boolean seconds = s[EcmNative.T_DT_S] > 0;
    r.timeUnit = seconds ? "s" : "frames";
    r.binDt = seconds ? s[EcmNative.T_DT_S] : p.binTime;
    ImagePlus g = new ImagePlus(imp.getShortTitle() + "_ttcf",
        new FloatProcessor(t.n, t.n, t.g, null));
    Calibration c = new Calibration();
    c.pixelWidth = r.binDt;
    c.pixelHeight = r.binDt;
    c.setUnit(r.timeUnit);
    c.setValueUnit("G");
    g.setCalibration(c);
    g.getProcessor().resetMinAndMax();
    r.ttcf = g;
    int v = (int) s[EcmNative.T_VERDICT];
    IJ.log(TITLE + ": " + t.n + " x " + t.n + " bins of " + Util.fmt(r.binDt) + " " + r.timeUnit
        + ", " + (long) s[EcmNative.T_PIXELS] + " pixels"
        + (p.blockPx > 0 ? " in " + (long) s[EcmNative.T_SETS] + " blocks (sets) of " + p.blockPx
                + " x " + p.blockPx + " px" : "") + "; fit "
        + (s[EcmNative.T_FIT_CONVERGED] != 0 ? "tau=" + Util.fmt(s[EcmNative.T_TAU]) + " "
                + r.timeUnit + ", beta=" + Util.fmt(s[EcmNative.T_BETA]) + ", A="
                + Util.fmt(s[EcmNative.T_A])
                                            : "did not converge")
        + "; band width at " + (long) s[EcmNative.T_N_BAND] + " ages, slope "
        + Util.fmt(s[EcmNative.T_SLOPE]) + " +- " + Util.fmt(s[EcmNative.T_SLOPE_ERR]) + " per "
        + r.timeUnit + "; verdict " + verdictName(v) + "; "
        + String.format(java.util.Locale.ROOT, "%.3f", secs) + " s");
    if (s[EcmNative.T_FIT_CONVERGED] == 0 && !p.normalizePixels)
      IJ.log(TITLE + ": hint: the g(t) fit did not converge; static contrast between pixels"
          + " (e.g. bright crystalline regions) adds a non-decaying part to G: try"
          + " normalize_pixels");
    return r;
  }

  static String verdictName(int v) {
    return v >= 0 && v < EcmNative.VERDICT_NAMES.length ? EcmNative.VERDICT_NAMES[v] : "?";
  }

  /** Show the TTCF with its band edges and the tau-versus-age plot; append the summary row. */
  static void display(ImagePlus imp, Result r) {
    MapDisplay.style(r.ttcf, "C(t1,t2)");
    addBandOverlay(r);
    r.agePlot = agePlot(imp.getShortTitle(), r);
    if (!Util.headless()) r.agePlot.show();
    Util.show(r.ttcf); // last: the TTCF is the current image afterwards
    addSummaryRow(imp.getTitle(), r);
  }

  /** Time per (binned) frame in the unit of the analysis' arrays (s, or 1 bin). */
  private static double coreDt(Result r) {
    double d = r.summary[EcmNative.T_DT_S];
    return d > 0 ? d : 1;
  }

  /** Unit of the analysis' arrays: s, frames, or bins of several frames. */
  private static String coreUnit(Result r) {
    if (r.summary[EcmNative.T_DT_S] > 0) return "s";
    return r.binTime == 1 ? "frames" : "bins of " + r.binTime + " frames";
  }

  /**
   * The band edges as overlay polylines: at each age a (window centre) with a measured
   * tau_band, the points (t1, t2) = (a - tau/2, a + tau/2) and its mirror, in pixel
   * coordinates (pixel i spans [i, i + 1), its centre at i + 0.5). Ages without a band width
   * break the lines. Replaces earlier band edges; keeps the calibration bar.
   */
  static void addBandOverlay(Result r) {
    EcmNative.TtcfResult t = r.raw;
    double d = coreDt(r);
    Overlay ov = r.ttcf.getOverlay();
    if (ov == null) ov = new Overlay();
    for (int i = ov.size() - 1; i >= 0; i--)
      if (BAND_ROI.equals(ov.get(i).getName())) ov.remove(i);
    for (int side = 0; side < 2; side++) {
      List<float[]> seg = new ArrayList<>();
      for (int k = 0; k <= t.bandAge.length; k++) {
        boolean ok = k < t.bandAge.length && t.bandTau[k] > 0
            && !Double.isInfinite(t.bandTau[k]);
        if (ok) {
          double a = t.bandAge[k] / d + 0.5, h = 0.5 * t.bandTau[k] / d;
          double x = side == 0 ? a + h : a - h, y = side == 0 ? a - h : a + h;
          seg.add(new float[] {(float) x, (float) y});
        } else if (!seg.isEmpty()) {
          ov.add(bandRoi(seg));
          seg.clear();
        }
      }
    }
    r.ttcf.setOverlay(ov);
  }

  private static Roi bandRoi(List<float[]> seg) {
    float[] x = new float[seg.size()], y = new float[seg.size()];
    for (int i = 0; i < x.length; i++) {
      x[i] = seg.get(i)[0];
      y[i] = seg.get(i)[1];
    }
    Roi roi = x.length == 1 ? new PointRoi(x, y, 1) : new PolygonRoi(x, y, x.length,
                                                         Roi.POLYLINE);
    roi.setStrokeColor(Color.magenta);
    roi.setName(BAND_ROI);
    return roi;
  }

  /**
   * tau_band versus age with its error bars, the fitted line ln tau = c + slope x age drawn
   * over the measured ages, the one-time fit's tau for reference, and a legend with the
   * slope and the verdict.
   */
  static Plot agePlot(String title, Result r) {
    EcmNative.TtcfResult t = r.raw;
    double[] s = r.summary;
    String u = coreUnit(r);
    Plot plot = new Plot(title + " tau vs age", "age (" + u + ")", "tau_band (" + u + ")");
    List<double[]> pts = new ArrayList<>();
    for (int k = 0; k < t.bandAge.length; k++) {
      if (t.bandTau[k] > 0 && !Double.isInfinite(t.bandTau[k])) {
        double e = t.bandErr[k];
        pts.add(new double[] {t.bandAge[k], t.bandTau[k], e >= 0 && !Double.isInfinite(e) ? e : 0});
      }
    }
    r.agePoints = pts.size();
    double[] x = new double[pts.size()], y = new double[pts.size()], e = new double[pts.size()];
    double amin = Double.POSITIVE_INFINITY, amax = Double.NEGATIVE_INFINITY;
    double ymax = 0;
    for (int i = 0; i < x.length; i++) {
      x[i] = pts.get(i)[0];
      y[i] = pts.get(i)[1];
      e[i] = pts.get(i)[2];
      amin = Math.min(amin, x[i]);
      amax = Math.max(amax, x[i]);
      ymax = Math.max(ymax, y[i] + e[i]);
    }
    plot.setColor(Color.black);
    if (x.length > 0) plot.addPoints(x, y, e, Plot.CIRCLE);
    else plot.addLabel(0.1, 0.5, "no age window with a measurable band width");
    StringBuilder legend = new StringBuilder("tau_band \u00b1 err (windows of "
        + (long) s[EcmNative.T_BAND_WINDOW] + " bins; reference "
        + refName((int) s[EcmNative.T_REF_USED]) + ")");
    double slope = s[EcmNative.T_SLOPE], c = s[EcmNative.T_INTERCEPT];
    if (x.length >= 2 && !Double.isNaN(slope) && !Double.isNaN(c)) {
      int m = 100;
      double[] fx = new double[m + 1], fy = new double[m + 1];
      for (int j = 0; j <= m; j++) {
        fx[j] = amin + (amax - amin) * j / m;
        fy[j] = Math.exp(c + slope * fx[j]);
        ymax = Math.max(ymax, fy[j]);
      }
      plot.setColor(Color.red);
      plot.addPoints(fx, fy, Plot.LINE);
      legend.append("\nfit ln tau = c + slope age: slope = ")
          .append(Util.pm(slope, s[EcmNative.T_SLOPE_ERR])).append(" per ")
          .append(u.startsWith("bins") ? "bin" : u);
    }
    double kww = s[EcmNative.T_TAU];
    if (s[EcmNative.T_FIT_CONVERGED] == 1 && kww > 0 && x.length >= 1) {
      plot.setColor(Color.blue);
      plot.addPoints(new double[] {amin, amax}, new double[] {kww, kww}, Plot.LINE);
      legend.append("\none-time fit tau = ").append(String.format(java.util.Locale.ROOT, "%.3g", kww)).append(' ')
          .append(u.startsWith("bins") ? "bins" : u);
      ymax = Math.max(ymax, kww);
    }
    // The legend has one line per data set: the verdict goes into the plot as a label.
    String verdict = "verdict: " + verdictName((int) s[EcmNative.T_VERDICT])
        + String.format(java.util.Locale.ROOT, " (fitted change x%.3g)", s[EcmNative.T_CHANGE]);
    if (x.length >= 1) {
      double pad = amax > amin ? 0.05 * (amax - amin) : Math.max(1e-9, 0.5 * amax);
      plot.setLimits(amin - pad, amax + pad, 0, ymax > 0 ? 1.45 * ymax : 1); // legend room
    }
    plot.setColor(Color.black);
    plot.addLabel(0.02, 0.97, verdict);
    plot.addLegend(legend.toString());
    return plot;
  }

  static String refName(int k) {
    return k >= 0 && k < EcmNative.BAND_REF_NAMES.length ? EcmNative.BAND_REF_NAMES[k] : "?";
  }

  /** One row with the fit and the verdict (precision 9). */
  public static void addSummaryRow(String title, Result r) {
    double[] s = r.summary;
    String u = r.timeUnit.equals("s") ? "_s" : "_frames";
    ResultsTable rt = ResultsTable.getResultsTable();
    rt.setPrecision(9);
    rt.incrementCounter();
    rt.addValue("image", title);
    rt.addValue("frames", r.frames);
    rt.addValue("bin_time", r.binTime);
    rt.addValue("n", s[EcmNative.T_N]);
    rt.addValue("bin_dt" + u, r.binDt);
    rt.addValue("pixels", s[EcmNative.T_PIXELS]);
    rt.addValue("pixels_dropped", s[EcmNative.T_PIXELS_DROPPED]);
    rt.addValue("fit_converged", s[EcmNative.T_FIT_CONVERGED]);
    rt.addValue("tau" + u, s[EcmNative.T_TAU]);
    rt.addValue("tau_err" + u, s[EcmNative.T_TAU_ERR]);
    rt.addValue("beta", s[EcmNative.T_BETA]);
    rt.addValue("A", s[EcmNative.T_A]);
    rt.addValue("chi2", s[EcmNative.T_CHI2]);
    rt.addValue("band_slope", s[EcmNative.T_SLOPE]);
    rt.addValue("band_slope_err", s[EcmNative.T_SLOPE_ERR]);
    rt.addValue("band_change", s[EcmNative.T_CHANGE]);
    rt.addValue("verdict_code", s[EcmNative.T_VERDICT]);
    rt.addValue("verdict", verdictName((int) s[EcmNative.T_VERDICT]));
    rt.addValue("band_intercept", s[EcmNative.T_INTERCEPT]);
    rt.addValue("band_ages", s[EcmNative.T_N_BAND]);
    int measured = 0;
    if (r.raw != null)
      for (double v : r.raw.bandTau) measured += v > 0 && !Double.isInfinite(v) ? 1 : 0;
    rt.addValue("band_ages_measured", measured);
    rt.addValue("band_window_bins", s[EcmNative.T_BAND_WINDOW]);
    rt.addValue("band_level", s[EcmNative.T_BAND_LEVEL]);
    rt.addValue("band_reference", refName((int) s[EcmNative.T_REF_USED]));
    if (!Util.headless()) rt.show("Results");
  }
}
