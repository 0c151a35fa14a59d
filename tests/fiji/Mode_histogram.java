// jvm.fiji.histogram: the Tau Histogram (ecm.fiji.TauHistogram) headless, on a map of known
// log-normal values and on a real Relaxation Maps tau map.
import ecm.fiji.EcmNative;
import ecm.fiji.NativeG2;
import ecm.fiji.RelaxationMaps;
import ecm.fiji.SimulateStack;
import ecm.fiji.TauHistogram;
import ij.ImagePlus;
import ij.WindowManager;
import ij.gui.Plot;
import ij.gui.Roi;
import ij.measure.Calibration;
import ij.measure.ResultsTable;
import ij.process.ByteProcessor;
import ij.process.ColorProcessor;
import ij.process.FloatProcessor;

public class Mode_histogram {
  static TauHistogram.Result hist(final ImagePlus imp, String options)
      throws InterruptedException {
    final TauHistogram cmd = new TauHistogram();
    FijiDriver.asMacro(options, new Runnable() {
      public void run() {
        WindowManager.setTempCurrentImage(imp);
        cmd.run("");
      }
    });
    return cmd.getResult();
  }

  static String f(double v) {
    return FijiDriver.f(v);
  }

  static ImagePlus map(String title, float[] v, int w, int h, String unit) {
    ImagePlus imp = new ImagePlus(title, new FloatProcessor(w, h, v, null));
    Calibration c = new Calibration();
    c.setValueUnit(unit);
    imp.setCalibration(c);
    return imp;
  }

  public static void run() throws Exception {
    // a map of known log-normal values: tau_med 3 s, sigma 0.4, 20 NaN
    int w = 64, h = 64, nNan = 20;
    java.util.Random rnd = new java.util.Random(2024);
    float[] v = new float[w * h];
    for (int i = 0; i < v.length; i++) v[i] = (float) (3.0 * Math.exp(0.4 * rnd.nextGaussian()));
    for (int i = 0; i < nNan; i++) v[(i * 197 + 11) % v.length] = Float.NaN;
    ImagePlus imp = map("lognormal_tau", v, w, h, "s");
    ResultsTable rt = ResultsTable.getResultsTable();
    rt.reset();
    TauHistogram.Result r = hist(imp, "bins=0 log_axis");
    FijiDriver.check(r != null, "tau histogram ran");
    if (r == null) return;
    double[] s = r.stats;
    double tm = s[NativeG2.H_TAU_MED], sg = s[NativeG2.H_SIGMA];
    FijiDriver.check(Math.abs(tm / 3 - 1) < 0.03, "tau_med " + f(tm) + " s (truth 3, 3 %)");
    FijiDriver.check(Math.abs(sg / 0.4 - 1) < 0.05, "sigma " + f(sg) + " (truth 0.4, 5 %)");
    long n = (long) s[NativeG2.H_N_USED];
    FijiDriver.check(n == w * h - nNan && s[NativeG2.H_N_NAN] == nNan,
        n + " values used, " + (long) s[NativeG2.H_N_NAN] + " NaN ignored");
    double fwhm = 2 * tm * Math.exp(-sg * sg) * Math.sinh(sg * Math.sqrt(2 * Math.log(2)));
    FijiDriver.check(Math.abs(s[NativeG2.H_FWHM] / fwhm - 1) < 1e-9
            && Math.abs(s[NativeG2.H_MODE] / (tm * Math.exp(-sg * sg)) - 1) < 1e-9,
        "FWHM " + f(s[NativeG2.H_FWHM]) + " and mode " + f(s[NativeG2.H_MODE])
            + " follow tau_med and sigma");
    double sum = 0, esum = 0;
    for (double c : r.counts) sum += c;
    for (double c : r.expected) esum += c;
    FijiDriver.check(sum == n && r.bins >= 5 && r.bins <= 100 && r.edges.length == r.bins + 1,
        "automatic bins: " + r.bins + ", counts sum to n");
    FijiDriver.check(Math.abs(esum / n - 1) < 0.02, "log-normal curve integrates to n over the"
        + " bins (" + f(esum) + ")");
    // Results rows
    FijiDriver.check(rt.size() == 1 && rt.getValue("tau_med_s", 0) == tm
            && rt.getValue("sigma", 0) == sg && rt.getValue("n", 0) == n
            && rt.getColumnIndex("mode_s") >= 0 && rt.getColumnIndex("fwhm_s") >= 0
            && rt.getColumnIndex("tau_median_s") >= 0,
        "Results row: n, tau_med_s, sigma, mode_s, fwhm_s, tau_median_s");
    FijiDriver.check(r.row.size() == 1 && r.row.getValue("tau_med_s", 0) == tm,
        "'" + TauHistogram.TABLE + "' row");
    FijiDriver.check(r.binsTable.size() == r.bins && r.binsTable.getColumnIndex("count") >= 0
            && r.binsTable.getColumnIndex("tau_lo_s") >= 0,
        "bins table: tau_lo_s, tau_hi_s, tau_centre_s, count, lognormal");
    Plot p = r.plot;
    FijiDriver.check(p != null && (p.getFlags() & Plot.X_LOG_NUMBERS) != 0
            && p.getImagePlus() != null,
        "plot with a logarithmic tau axis");
    // log_axis off: log10(tau) on a linear axis
    TauHistogram.Result rl = hist(imp, "bins=25");
    boolean lin = rl != null && (rl.plot.getFlags() & Plot.X_LOG_NUMBERS) == 0;
    if (lin) {
      float[] x = rl.plot.getDataObjectArrays(0)[0];
      lin = Math.abs(x[0] - Math.log10(rl.edges[0])) < 1e-5;
    }
    FijiDriver.check(lin && rl.bins == 25, "bins=25 without log_axis: log10 tau on a linear axis");
    FijiDriver.check(rl != null && rl.stats[NativeG2.H_TAU_MED] == tm, "same fit for any binning");
    // a ROI restricts the pixels
    ImagePlus roiImp = map("lognormal_roi", v.clone(), w, h, "s");
    roiImp.setRoi(new Roi(0, 0, 32, 16));
    TauHistogram.Result rr = hist(roiImp, "log_axis");
    long inRoiNan = 0;
    for (int y = 0; y < 16; y++)
      for (int x = 0; x < 32; x++) inRoiNan += Float.isNaN(v[y * w + x]) ? 1 : 0;
    FijiDriver.check(rr != null && rr.stats[NativeG2.H_N_USED] == 512 - inRoiNan,
        "ROI of 512 pixels: " + (rr == null ? "?" : f(rr.stats[NativeG2.H_N_USED])) + " values");
    // frames as the unit
    TauHistogram.Result rf = hist(map("frames_tau", v.clone(), w, h, "frames"), "log_axis");
    FijiDriver.check(rf != null && rt.getColumnIndex("tau_med_frames") >= 0
            && rt.getValue("tau_med_frames", rt.size() - 1) == tm,
        "value unit frames -> tau_med_frames");

    // a real Relaxation Maps tau map
    SimulateStack.Result sim = FijiDriver.simulate("frames=300 width=16 height=12 interval=0.5"
        + " pixel_size=1 tau_median=3 sigma=0.5 beta_min=1 beta_max=1 contrast=0.3 dose=0"
        + " map_correlation=0 seed=12");
    RelaxationMaps.Result maps = sim == null ? null
        : FijiDriver.maps(sim.stack, "points_per_decade=10 bias_correction threads=2");
    FijiDriver.check(maps != null, "Relaxation Maps of a 300 x 16 x 12 simulation");
    if (maps != null) {
      TauHistogram.Result rm = hist(maps.tau, "log_axis");
      FijiDriver.check(rm != null, "histogram of " + maps.tau.getTitle());
      if (rm != null) {
        double[] ms = maps.summary;
        long noDecay = (long) ms[EcmNative.S_COUNT0 + 5];
        long used = (long) rm.stats[NativeG2.H_N_USED];
        // the tau map also holds the lower limits of no-decay pixels; without them the
        // histogram's fit is exactly the maps' summary
        boolean exact = used == (long) ms[EcmNative.S_N_CONVERGED];
        FijiDriver.check(used == (long) ms[EcmNative.S_N_CONVERGED] + noDecay
                || used <= (long) ms[EcmNative.S_N_CONVERGED] + noDecay,
            used + " values = converged " + (long) ms[EcmNative.S_N_CONVERGED]
                + " (+ no-decay lower limits " + noDecay + ")");
        if (exact) {
          FijiDriver.check(Math.abs(rm.stats[NativeG2.H_TAU_MED] / ms[EcmNative.S_TAU_MED] - 1)
                  < 1e-6 && Math.abs(rm.stats[NativeG2.H_SIGMA] / ms[EcmNative.S_SIGMA] - 1) < 1e-6,
              "tau_med " + f(rm.stats[NativeG2.H_TAU_MED]) + " and sigma "
                  + f(rm.stats[NativeG2.H_SIGMA]) + " = the maps' summary");
        } else {
          FijiDriver.check(Math.abs(rm.stats[NativeG2.H_TAU_MED] / ms[EcmNative.S_TAU_MED] - 1)
                  < 0.2,
              "tau_med " + f(rm.stats[NativeG2.H_TAU_MED]) + " near the maps' "
                  + f(ms[EcmNative.S_TAU_MED]));
        }
        FijiDriver.check(rm.stats[NativeG2.H_TAU_MED] > 1.5 && rm.stats[NativeG2.H_TAU_MED] < 4.5,
            "tau_med of the map near the truth 3 s");
      }
    }

    // bad input
    float[] nan = new float[100];
    java.util.Arrays.fill(nan, Float.NaN);
    FijiDriver.check(hist(map("all_nan", nan, 10, 10, "s"), "log_axis") == null,
        "all-NaN map refused");
    float[] one = nan.clone();
    one[5] = 2;
    FijiDriver.check(hist(map("one_value", one, 10, 10, "s"), "log_axis") == null,
        "a single finite value refused");
    float[] neg = v.clone();
    neg[7] = -1.5f;
    FijiDriver.check(hist(map("negative", neg, w, h, "s"), "log_axis") == null,
        "negative value refused");
    float[] zero = v.clone();
    zero[9] = 0;
    FijiDriver.check(hist(map("zero", zero, w, h, "s"), "log_axis") == null, "zero value refused");
    FijiDriver.check(hist(new ImagePlus("rgb", new ColorProcessor(10, 10)), "log_axis") == null,
        "RGB image refused");
    FijiDriver.check(hist(new ImagePlus("bytes", new ByteProcessor(10, 10)), "log_axis") == null,
        "8-bit image refused");
    FijiDriver.check(hist(map("no_unit", v.clone(), w, h, ""), "log_axis") == null,
        "map without a time value unit refused");
    FijiDriver.check(hist(map("nm_unit", v.clone(), w, h, "nm"), "log_axis") == null,
        "map in nm refused");
    FijiDriver.check(hist(imp, "bins=-3") == null, "bins=-3 refused");
    FijiDriver.check(hist(imp, "bins=2.5") == null, "bins=2.5 refused");
    FijiDriver.check(hist(imp, "bins=1e9") == null, "bins=1e9 refused");
    ImagePlus outside = map("outside", v.clone(), w, h, "s");
    outside.setRoi(new Roi(60, 60, 10, 10));
    outside.getRoi();
    TauHistogram.Result ro = hist(outside, "log_axis");
    FijiDriver.check(ro == null || ro.stats[NativeG2.H_N_USED] <= 16,
        "ROI partly outside: only the pixels inside the image");
    float[] same = new float[100];
    java.util.Arrays.fill(same, 2.5f);
    TauHistogram.Result rs = hist(map("constant", same, 10, 10, "s"), "log_axis");
    FijiDriver.check(rs != null && Math.abs(rs.stats[NativeG2.H_TAU_MED] - 2.5) < 1e-12
            && rs.stats[NativeG2.H_SIGMA] < 1e-12,
        "constant map: tau_med 2.5, sigma ~0, no crash");
    // the native checks on their own
    try {
      NativeG2.histogram(v, null, 5, 1, 10, true);
      FijiDriver.check(false, "histogram range [5, 1]: no exception");
    } catch (ecm.fiji.EcmException e) {
      FijiDriver.check(true, "histogram range [5, 1] -> " + e.getMessage());
    }
    try {
      NativeG2.tauStats(v, new byte[3]);
      FijiDriver.check(false, "mask of the wrong size: no exception");
    } catch (ecm.fiji.EcmException e) {
      FijiDriver.check(true, "mask of the wrong size -> " + e.getMessage());
    }
  }
}
