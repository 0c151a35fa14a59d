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
  public static final class Params {
    public double frameInterval = 0; // [frame_interval] s; 0 = from Image>Properties
    public boolean slicesAsTime = true; // [slices_as_time]
    public double pointsPerDecade = 10; // [points_per_decade]
    public int maxLag = 0; // [max_lag] frames; 0 = half the series
    public boolean biasCorrection = true; // [bias_correction]
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

  private static final Params remembered = new Params();
  private Result last;

  /** The outputs of the last successful run (for tests and scripts), or null. */
  public Result getResult() {
    return last;
  }

  @Override
  public void run(String arg) {
    Util.runOnCurrentImage(TITLE, this::ask, RelaxationMaps::compute, RelaxationMaps::display, r -> last = r);
  }

  /** The dialog (records one macro line), or the macro options when headless. */
  Params ask(ImagePlus imp) {
    Params p = new Params();
    synchronized (remembered) {
      p.frameInterval = remembered.frameInterval;
      p.slicesAsTime = remembered.slicesAsTime;
      p.pointsPerDecade = remembered.pointsPerDecade;
      p.maxLag = remembered.maxLag;
      p.biasCorrection = remembered.biasCorrection;
      p.threads = remembered.threads;
    }
    if (Util.headless()) {
      Util.Options o = Util.Options.current();
      if (o.present()) {
        p.frameInterval = o.number("frame_interval", 0);
        p.slicesAsTime = o.flag("slices_as_time", false);
        p.pointsPerDecade = o.number("points_per_decade", 10);
        p.maxLag = Util.toInt("max_lag", o.number("max_lag", 0), 0, Integer.MAX_VALUE);
        p.biasCorrection = o.flag("bias_correction", false);
        p.threads = Util.toInt("threads", o.number("threads", 0), 0, 4096);
      }
      return p;
    }
    Calibration cal = imp.getCalibration();
    GenericDialog gd = new GenericDialog(TITLE);
    gd.addMessage("Image: " + imp.getTitle() + " (" + imp.getNFrames() + " frames, "
        + imp.getNSlices() + " slices); frame interval in Image>Properties: "
        + cal.frameInterval + " " + cal.getTimeUnit());
    gd.addNumericField("Frame_interval (s; 0 = from image)", p.frameInterval, 6);
    gd.addCheckbox("Slices_as_time (for a stack of Z-slices with 1 frame)", p.slicesAsTime);
    gd.addNumericField("Points_per_decade", p.pointsPerDecade, 1);
    gd.addNumericField("Max_lag (frames; 0 = half the series)", p.maxLag, 0);
    gd.addCheckbox("Bias_correction (finite-length bias of g2)", p.biasCorrection);
    gd.addNumericField("Threads (0 = all cores)", p.threads, 0);
    gd.showDialog();
    if (gd.wasCanceled()) return null;
    p.frameInterval = gd.getNextNumber();
    p.slicesAsTime = gd.getNextBoolean();
    p.pointsPerDecade = gd.getNextNumber();
    p.maxLag = Util.toInt("max_lag", gd.getNextNumber(), 0, Integer.MAX_VALUE);
    p.biasCorrection = gd.getNextBoolean();
    p.threads = Util.toInt("threads", gd.getNextNumber(), 0, 4096);
    if (gd.invalidNumber())
      throw new EcmException(EcmException.EINVAL, "a field does not hold a number");
    synchronized (remembered) {
      remembered.frameInterval = p.frameInterval;
      remembered.slicesAsTime = p.slicesAsTime;
      remembered.pointsPerDecade = p.pointsPerDecade;
      remembered.maxLag = p.maxLag;
      remembered.biasCorrection = p.biasCorrection;
      remembered.threads = p.threads;
    }
    return p;
  }

  /** The computation: no dialog, no display. Throws EcmException for any refusal. */
  public static Result compute(ImagePlus imp, Params p, Progress progress) {
    if (imp.getType() == ImagePlus.COLOR_RGB || imp.getType() == ImagePlus.COLOR_256)
      throw new EcmException(EcmException.EUNSUPPORTED,
          "needs an 8-, 16- or 32-bit grayscale stack; '" + imp.getTitle()
              + "' is a colour image (Image>Type>32-bit converts it)");
    int nc = imp.getNChannels(), nz = imp.getNSlices(), nf = imp.getNFrames();
    int c = imp.getC(), z = imp.getZ();
    ImageStack stack = imp.getStack();
    Object[] slices;
    if (nf > 1) {
      slices = new Object[nf];
      for (int t = 1; t <= nf; t++) slices[t - 1] = stack.getPixels(imp.getStackIndex(c, z, t));
    } else if (nz > 1 && p.slicesAsTime) {
      slices = new Object[nz];
      for (int s = 1; s <= nz; s++) slices[s - 1] = stack.getPixels(imp.getStackIndex(c, s, 1));
    } else if (nz > 1) {
      throw new EcmException(EcmException.EINVAL, "'" + imp.getTitle() + "' has " + nz
          + " Z-slices and 1 frame: tick 'Slices as time' (key slices_as_time) or set"
          + " Image>Properties so that the series runs along time");
    } else {
      throw new EcmException(EcmException.ENODATA, "'" + imp.getTitle()
          + "' is a single image: relaxation maps need an image series of at least 3 frames");
    }
    Calibration cal = imp.getCalibration();
    double dt;
    String unit;
    if (p.frameInterval > 0) {
      dt = p.frameInterval;
      unit = "s";
    } else if (p.frameInterval == 0) {
      dt = cal.frameInterval;
      unit = cal.getTimeUnit();
    } else {
      throw new EcmException(EcmException.EINVAL, "frame interval must be >= 0");
    }
    int w = imp.getWidth(), h = imp.getHeight(), n = w * h;
    float[] tau = new float[n], beta = new float[n], amp = new float[n], chi2 = new float[n],
        status = new float[n];
    IJ.log(TITLE + ": " + imp.getTitle() + ", " + slices.length + " frames of " + w + " x " + h
        + ", frame interval " + (dt > 0 ? Util.fmt(dt) + " " + unit : "unknown (lags in frames)")
        + ", points_per_decade=" + Util.fmt(p.pointsPerDecade) + ", max_lag=" + p.maxLag
        + ", bias_correction=" + p.biasCorrection + ", threads=" + p.threads);
    long t0 = System.nanoTime();
    double[] s = EcmNative.relaxMap(slices, w, h, dt, unit, p.pointsPerDecade, p.maxLag,
        p.biasCorrection, p.threads, progress, tau, beta, amp, chi2, status);
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
    try {
      r.tau.getProcessor().setColorModel(ij.plugin.LutLoader.getLut("fire"));
    } catch (RuntimeException e) {
      // LUT is cosmetic
    }
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
