package ecm.fiji;

import ij.IJ;
import ij.ImagePlus;
import ij.ImageStack;
import ij.gui.GenericDialog;
import ij.measure.Calibration;
import ij.measure.ResultsTable;
import ij.plugin.PlugIn;
import ij.process.FloatProcessor;

/**
 * Plugins>ECM>Relaxation Maps: per-pixel g2 and KWW fit (ecm_relax_map) of the current
 * stack; tau, beta, A, chi2 and status maps as calibrated 32-bit images and a summary row
 * in the system Results table.
 */
public class RelaxationMaps implements PlugIn {
  static final String TITLE = "Relaxation Maps";

  /** Parameters (the dialog's fields; macro keys in brackets). */
  public static final class Params extends G2Params {
    public int threads = 0; // [threads] 0 = all cores
  }

  /** Outputs of one run. */
  public static final class Result {
    public ImagePlus tau, beta, amp, chi2, status;
    public double[] summary;
    public double dtUsed;
    public String timeUnit;
    public int frames;
  }

  private Result last;

  /** The outputs of the last successful run (for tests and scripts), or null. */
  public Result getResult() {
    return last;
  }

  @Override
  public void run(String arg) {
    Util.runOnCurrentImage(TITLE, this::ask, RelaxationMaps::compute, RelaxationMaps::display, r -> last = r);
  }

  /**
   * The dialog (records one macro line), or the macro options when headless. Interactive
   * runs start from the remembered settings (ImageJ preferences); macro runs from the
   * built-in defaults, so that a macro line means the same everywhere.
   */
  Params ask(ImagePlus imp) {
    Settings st = new Settings("maps");
    Params p = new Params();
    p.seed(st);
    p.threads = (int) st.get("threads", 0.0);
    if (Util.headless()) {
      Util.Options o = Util.Options.current();
      if (o.present()) {
        p.parse(o);
        p.threads = Util.toInt("threads", o.number("threads", 0), 0, 4096);
      }
      return p;
    }
    Calibration cal = imp.getCalibration();
    GenericDialog gd = new GenericDialog(TITLE);
    gd.addMessage("Image: " + imp.getTitle() + " (" + imp.getNFrames() + " frames, "
        + imp.getNSlices() + " slices); frame interval in Image>Properties: "
        + cal.frameInterval + " " + cal.getTimeUnit()
        + (imp.getRoi() != null && imp.getRoi().isArea() ? "\nOnly pixels inside the ROI are fitted."
                                                          : ""));
    p.addFields(gd, "half the series");
    gd.addNumericField("Threads (0 = all cores)", p.threads, 0);
    Help.add(gd, "relaxation-maps");
    gd.showDialog();
    if (gd.wasCanceled()) return null;
    p.readFields(gd);
    p.threads = Util.toInt("threads", gd.getNextNumber(), 0, 4096);
    if (gd.invalidNumber())
      throw new EcmException(EcmException.EINVAL, "a field does not hold a number");
    p.remember(st);
    st.set("threads", p.threads);
    return p;
  }

  /** The computation: no dialog, no display. Throws EcmException for any refusal. */
  public static Result compute(ImagePlus imp, Params p, Progress progress) {
    Object[] slices = Util.timeSlices(imp, p.slicesAsTime, "relaxation maps", 3);
    byte[] mask = Util.roiMaskChecked(imp);
    Calibration cal = imp.getCalibration();
    Util.TimeAxis axis = Util.timeAxis(imp, p.frameInterval);
    double dt = axis.dt;
    String unit = axis.unit;
    int w = imp.getWidth(), h = imp.getHeight(), n = w * h;
    float[] tau = new float[n], beta = new float[n], amp = new float[n], chi2 = new float[n],
        status = new float[n];
    IJ.log(TITLE + ": " + imp.getTitle() + ", " + slices.length + " frames of " + w + " x " + h
        + ", frame interval " + (dt > 0 ? Util.fmt(dt) + " " + unit : "unknown (lags in frames)")
        + ", points_per_decade=" + Util.fmt(p.pointsPerDecade) + ", max_lag=" + p.maxLag
        + ", bias_correction=" + p.biasCorrection + ", no_decay_dchi2="
        + Util.fmt(p.noDecayDchi2) + ", unresolved=" + Util.fmt(p.unresolvedFrac)
        + ", threads=" + p.threads
        + (mask != null ? ", ROI of " + Util.count(mask) + " pixels" : ""));
    long t0 = System.nanoTime();
    double[] s = EcmNative.relaxMap(slices, w, h, dt, unit, p.pointsPerDecade, p.maxLag,
        p.biasCorrection, p.noDecayDchi2, p.unresolvedFrac, p.threads, progress, mask, tau, beta,
        amp, chi2, status);
    double secs = (System.nanoTime() - t0) * 1e-9;
    Result r = new Result();
    r.summary = s;
    r.frames = slices.length;
    boolean seconds = s[EcmNative.S_SECONDS] != 0;
    r.timeUnit = seconds ? "s" : "frames";
    r.dtUsed = seconds ? dt : 1;
    String base = imp.getShortTitle();
    r.tau = map(base + "_tau", tau, w, h, cal, r.timeUnit);
    r.beta = map(base + "_beta", beta, w, h, cal, "");
    r.amp = map(base + "_A", amp, w, h, cal, "");
    r.chi2 = map(base + "_chi2", chi2, w, h, cal, "");
    r.status = map(base + "_status", status, w, h, cal, "");
    r.status.getProcessor().setMinAndMax(0, EcmNative.STATUS_NAMES.length - 1);
    IJ.log(TITLE + ": " + (long) s[EcmNative.S_N_CONVERGED] + " of "
        + (long) s[EcmNative.S_N_PIXELS] + " pixels converged, tau_med="
        + Util.fmt(s[EcmNative.S_TAU_MED]) + " " + r.timeUnit + ", sigma="
        + Util.fmt(s[EcmNative.S_SIGMA]) + ", beta_mean=" + Util.fmt(s[EcmNative.S_BETA_MEAN])
        + "; " + String.format(java.util.Locale.ROOT, "%.3f", secs) + " s");
    return r;
  }

  private static ImagePlus map(String title, float[] v, int w, int h, Calibration cal,
      String valueUnit) {
    ImagePlus out = new ImagePlus(title, new FloatProcessor(w, h, v, null));
    Calibration c = cal.copy();
    c.setValueUnit(valueUnit);
    out.setCalibration(c);
    out.getProcessor().resetMinAndMax();
    return out;
  }

  /** Show the maps and append the summary row to the system Results table. */
  static void display(ImagePlus imp, Result r) {
    MapDisplay.style(r.tau, "tau (" + r.timeUnit + ")");
    MapDisplay.style(r.beta, "beta");
    MapDisplay.style(r.amp, "A");
    MapDisplay.style(r.chi2, "chi2");
    for (ImagePlus m : new ImagePlus[] {r.status, r.chi2, r.amp, r.beta, r.tau}) Util.show(m);
    addSummaryRow(imp.getTitle(), r);
  }

  /** One row with the summary numbers (precision 9). */
  public static void addSummaryRow(String title, Result r) {
    double[] s = r.summary;
    String u = r.timeUnit.equals("s") ? "_s" : "_frames";
    ResultsTable rt = ResultsTable.getResultsTable();
    rt.setPrecision(9);
    rt.incrementCounter();
    rt.addValue("image", title);
    rt.addValue("frames", r.frames);
    rt.addValue("dt" + u, r.dtUsed);
    rt.addValue("n_pixels", s[EcmNative.S_N_PIXELS]);
    rt.addValue("n_converged", s[EcmNative.S_N_CONVERGED]);
    rt.addValue("converged_fraction", s[EcmNative.S_CONV_FRACTION]);
    rt.addValue("tau_med" + u, s[EcmNative.S_TAU_MED]);
    rt.addValue("sigma", s[EcmNative.S_SIGMA]);
    rt.addValue("tau_median" + u, s[EcmNative.S_TAU_MEDIAN]);
    rt.addValue("beta_mean", s[EcmNative.S_BETA_MEAN]);
    rt.addValue("A_mean", s[EcmNative.S_A_MEAN]);
    rt.addValue("ens_tau" + u, s[EcmNative.S_ENS_TAU]);
    rt.addValue("ens_beta", s[EcmNative.S_ENS_BETA]);
    rt.addValue("ens_A", s[EcmNative.S_ENS_A]);
    rt.addValue("ens_chi2", s[EcmNative.S_ENS_CHI2]);
    rt.addValue("series_over_tau", s[EcmNative.S_SERIES_OVER_TAU]);
    rt.addValue("dt_over_tau", s[EcmNative.S_DT_OVER_TAU]);
    for (int k = 1; k < EcmNative.STATUS_NAMES.length; k++)
      rt.addValue("n_" + EcmNative.STATUS_NAMES[k].replace('-', '_'), s[EcmNative.S_COUNT0 + k]);
    if (!Util.headless()) rt.show("Results");
  }
}
