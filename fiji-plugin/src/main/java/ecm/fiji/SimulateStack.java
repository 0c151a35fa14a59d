package ecm.fiji;

import ij.IJ;
import ij.ImagePlus;
import ij.ImageStack;
import ij.gui.GenericDialog;
import ij.measure.Calibration;
import ij.plugin.PlugIn;
import ij.process.FloatProcessor;

/**
 * Plugins>ECM>Simulate ECM Stack: the dark-field simulator (ecm_sim_darkfield) with its
 * truth tau map opened alongside; both calibrated (frame interval in s, pixel size in nm).
 * Optionally a drift (linear plus a random walk) and static crystals, the features that
 * drift correction locks on to.
 */
public class SimulateStack implements PlugIn {
  static final String TITLE = "Simulate ECM Stack";

  /** Parameters (macro keys in brackets), defaults sized for teaching. */
  public static final class Params {
    public int frames = 400; // [frames]
    public int width = 32; // [width]
    public int height = 32; // [height]
    public double interval = 0.5; // [interval] s
    public double pixelSize = 1.0; // [pixel_size] nm
    public double tauMedian = 5.0; // [tau_median] s
    public double sigma = 0.5; // [sigma] of ln tau
    public double betaMin = 0.5, betaMax = 1.0; // [beta_min] [beta_max]
    public double contrast = 0.3; // [contrast]
    public double dose = 0; // [dose] counts per pixel per frame; 0 = noiseless
    public double mapCorrelation = 4; // [map_correlation] px
    public double driftX = 0, driftY = 0; // [drift_x] [drift_y] px over the series
    public double jitter = 0; // [jitter] px rms random-walk step per frame
    public int crystals = 0; // [crystals] static crystalline inclusions (never decorrelate)
    public double crystalRadius = 3; // [crystal_radius] px
    public int seed = 1; // [seed]
  }

  /** Outputs: the stack and the truth tau map. */
  public static final class Result {
    public ImagePlus stack, truthTau, truthBeta, truthA;
  }

  private Result last;

  public Result getResult() {
    return last;
  }

  @Override
  public void run(String arg) {
    try {
      Params p = ask();
      if (p == null) {
        Util.dontRecord(); // a cancelled dialog is not a macro line
        return;
      }
      last = compute(p, new IJProgress(TITLE));
      MapDisplay.style(last.truthTau, "tau (s)");
      MapDisplay.style(last.truthBeta, "beta");
      MapDisplay.style(last.truthA, "A");
      Util.show(last.truthA);
      Util.show(last.truthBeta);
      Util.show(last.truthTau);
      Util.show(last.stack);
    } catch (EcmException e) {
      Util.report(TITLE, e);
    } catch (OutOfMemoryError e) {
      IJ.outOfMemory(TITLE);
    } finally {
      IJ.showProgress(1.0);
    }
  }

  Params ask() {
    Params p = new Params();
    Settings st = new Settings("simulate");
    Params d = new Params();
    d.frames = (int) st.get("frames", (double) d.frames);
    d.width = (int) st.get("width", (double) d.width);
    d.height = (int) st.get("height", (double) d.height);
    d.interval = st.get("interval", d.interval);
    d.pixelSize = st.get("pixel_size", d.pixelSize);
    d.tauMedian = st.get("tau_median", d.tauMedian);
    d.sigma = st.get("sigma", d.sigma);
    d.betaMin = st.get("beta_min", d.betaMin);
    d.betaMax = st.get("beta_max", d.betaMax);
    d.contrast = st.get("contrast", d.contrast);
    d.dose = st.get("dose", d.dose);
    d.mapCorrelation = st.get("map_correlation", d.mapCorrelation);
    d.driftX = st.get("drift_x", d.driftX);
    d.driftY = st.get("drift_y", d.driftY);
    d.jitter = st.get("jitter", d.jitter);
    d.crystals = (int) st.get("crystals", (double) d.crystals);
    d.crystalRadius = st.get("crystal_radius", d.crystalRadius);
    d.seed = (int) st.get("seed", (double) d.seed);
    if (Util.headless()) {
      Util.Options o = Util.Options.current();
      if (!o.present()) return p;
      p.frames = Util.toInt("frames", o.number("frames", d.frames), 1, 1 << 24);
      p.width = Util.toInt("width", o.number("width", d.width), 1, 1 << 24);
      p.height = Util.toInt("height", o.number("height", d.height), 1, 1 << 24);
      p.interval = o.number("interval", d.interval);
      p.pixelSize = o.number("pixel_size", d.pixelSize);
      p.tauMedian = o.number("tau_median", d.tauMedian);
      p.sigma = o.number("sigma", d.sigma);
      p.betaMin = o.number("beta_min", d.betaMin);
      p.betaMax = o.number("beta_max", d.betaMax);
      p.contrast = o.number("contrast", d.contrast);
      p.dose = o.number("dose", d.dose);
      p.mapCorrelation = o.number("map_correlation", d.mapCorrelation);
      // drift and crystals: macro defaults are the built-in ones (0 = off), so that a macro
      // line without these keys gives the same stack whatever the remembered settings
      p.driftX = o.number("drift_x", 0);
      p.driftY = o.number("drift_y", 0);
      p.jitter = o.number("jitter", 0);
      p.crystals = Util.toInt("crystals", o.number("crystals", 0), 0, 1000);
      p.crystalRadius = o.number("crystal_radius", 3);
      p.seed = Util.toInt("seed", o.number("seed", d.seed), 0, Integer.MAX_VALUE);
      return p;
    }
    if (ij.Macro.getOptions() != null) {
      // a macro line without the drift / crystal keys means "none", whatever was remembered
      Params b = new Params();
      d.driftX = b.driftX;
      d.driftY = b.driftY;
      d.jitter = b.jitter;
      d.crystals = b.crystals;
      d.crystalRadius = b.crystalRadius;
    }
    GenericDialog gd = new GenericDialog(TITLE);
    gd.addNumericField("Frames", d.frames, 0);
    gd.addNumericField("Width (px)", d.width, 0);
    gd.addNumericField("Height (px)", d.height, 0);
    gd.addNumericField("Interval (frame interval, s)", d.interval, 4);
    gd.addNumericField("Pixel_size (nm)", d.pixelSize, 3);
    gd.addNumericField("Tau_median (s)", d.tauMedian, 4);
    gd.addNumericField("Sigma (of ln tau)", d.sigma, 3);
    gd.addNumericField("Beta_min", d.betaMin, 3);
    gd.addNumericField("Beta_max", d.betaMax, 3);
    gd.addNumericField("Contrast (speckle A)", d.contrast, 3);
    gd.addNumericField("Dose (counts/px/frame; 0 = noiseless)", d.dose, 1);
    gd.addNumericField("Map_correlation (px)", d.mapCorrelation, 2);
    gd.addNumericField("Drift_x (px over the series)", d.driftX, 2);
    gd.addNumericField("Drift_y (px over the series)", d.driftY, 2);
    gd.addNumericField("Jitter (px rms per frame)", d.jitter, 3);
    gd.addNumericField("Crystals (static features; 0 = none)", d.crystals, 0);
    gd.addNumericField("Crystal_radius (px)", d.crystalRadius, 2);
    gd.addNumericField("Seed", d.seed, 0);
    Help.add(gd, "simulate-stack");
    gd.showDialog();
    if (gd.wasCanceled()) return null;
    p.frames = Util.toInt("frames", gd.getNextNumber(), 1, 1 << 24);
    p.width = Util.toInt("width", gd.getNextNumber(), 1, 1 << 24);
    p.height = Util.toInt("height", gd.getNextNumber(), 1, 1 << 24);
    p.interval = gd.getNextNumber();
    p.pixelSize = gd.getNextNumber();
    p.tauMedian = gd.getNextNumber();
    p.sigma = gd.getNextNumber();
    p.betaMin = gd.getNextNumber();
    p.betaMax = gd.getNextNumber();
    p.contrast = gd.getNextNumber();
    p.dose = gd.getNextNumber();
    p.mapCorrelation = gd.getNextNumber();
    p.driftX = gd.getNextNumber();
    p.driftY = gd.getNextNumber();
    p.jitter = gd.getNextNumber();
    p.crystals = Util.toInt("crystals", gd.getNextNumber(), 0, 1000);
    p.crystalRadius = gd.getNextNumber();
    p.seed = Util.toInt("seed", gd.getNextNumber(), 0, Integer.MAX_VALUE);
    if (gd.invalidNumber())
      throw new EcmException(EcmException.EINVAL, "a field does not hold a number");
    st.set("frames", p.frames);
    st.set("width", p.width);
    st.set("height", p.height);
    st.set("interval", p.interval);
    st.set("pixel_size", p.pixelSize);
    st.set("tau_median", p.tauMedian);
    st.set("sigma", p.sigma);
    st.set("beta_min", p.betaMin);
    st.set("beta_max", p.betaMax);
    st.set("contrast", p.contrast);
    st.set("dose", p.dose);
    st.set("map_correlation", p.mapCorrelation);
    st.set("drift_x", p.driftX);
    st.set("drift_y", p.driftY);
    st.set("jitter", p.jitter);
    st.set("crystals", p.crystals);
    st.set("crystal_radius", p.crystalRadius);
    st.set("seed", p.seed);
    return p;
  }

  /** Simulate without any dialog or display. */
  public static Result compute(Params p, Progress progress) {
    IJ.log(TITLE + ": frames=" + p.frames + " width=" + p.width + " height=" + p.height
        + " interval=" + Util.fmt(p.interval) + " s pixel_size=" + Util.fmt(p.pixelSize)
        + " nm tau_median=" + Util.fmt(p.tauMedian) + " s sigma=" + Util.fmt(p.sigma)
        + " beta=[" + Util.fmt(p.betaMin) + ", " + Util.fmt(p.betaMax) + "] contrast="
        + Util.fmt(p.contrast) + " dose=" + Util.fmt(p.dose) + " drift_x=" + Util.fmt(p.driftX)
        + " px drift_y=" + Util.fmt(p.driftY) + " px jitter=" + Util.fmt(p.jitter)
        + " px crystals=" + p.crystals + " crystal_radius=" + Util.fmt(p.crystalRadius)
        + " px seed=" + p.seed);
    long t0 = System.nanoTime();
    EcmNative.SimStack s = EcmNative.simulate(p.frames, p.height, p.width, p.interval,
        p.pixelSize, p.tauMedian, p.sigma, p.betaMin, p.betaMax, p.contrast, p.dose,
        p.mapCorrelation, p.driftX, p.driftY, p.jitter, p.crystals, p.crystalRadius, p.seed, 0,
        progress);
    ImageStack st = new ImageStack(p.width, p.height);
    for (int t = 0; t < s.frames.length; t++) st.addSlice("t=" + (t + 1), s.frames[t]);
    Result r = new Result();
    r.stack = new ImagePlus("ECM simulation", st);
    r.stack.setDimensions(1, 1, s.frames.length);
    Calibration cal = new Calibration();
    cal.setUnit("nm");
    cal.pixelWidth = cal.pixelHeight = p.pixelSize;
    cal.frameInterval = p.interval;
    cal.setTimeUnit("sec");
    r.stack.setCalibration(cal);
    r.stack.getProcessor().resetMinAndMax();
    r.truthTau = truthMap("ECM simulation truth tau", s.truthTau, p, cal, "s");
    r.truthBeta = truthMap("ECM simulation truth beta", s.truthBeta, p, cal, "");
    r.truthA = truthMap("ECM simulation truth A", s.truthA, p, cal, "");
    IJ.log(TITLE + ": done in "
        + String.format(java.util.Locale.ROOT, "%.3f", (System.nanoTime() - t0) * 1e-9) + " s");
    return r;
  }

  /** A truth map: one 32-bit image with the stack's spatial calibration and a value unit. */
  private static ImagePlus truthMap(String title, float[] v, Params p, Calibration cal,
      String valueUnit) {
    ImagePlus m = new ImagePlus(title, new FloatProcessor(p.width, p.height, v, null));
    Calibration c = cal.copy();
    c.frameInterval = 0;
    c.setValueUnit(valueUnit);
    m.setCalibration(c);
    m.getProcessor().resetMinAndMax();
    return m;
  }
}
