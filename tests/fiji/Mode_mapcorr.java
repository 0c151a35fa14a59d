// Map Correlation (ecm.fiji.MapCorrelation) driven as a macro would, headless. The maps are
// registered as batch-mode images (as in a macro run with setBatchMode(true)), so that
// map1=[title] map2=[title] finds them. Checks: a monotone relation with noise gives a high
// rho and small p values; independent smooth maps give a rho near 0 and p_eff, p_perm
// > 0.05 for the fixed seeds; the same map twice gives rho = 1; NaN pixels and pixels
// outside an ROI on map 1 are left out; the Results row; refusals.
import ecm.fiji.MapCorrelation;
import ecm.fiji.NativeStats;
import ij.ImagePlus;
import ij.WindowManager;
import ij.macro.Interpreter;
import ij.measure.ResultsTable;
import ij.process.ColorProcessor;
import ij.process.FloatProcessor;
import java.util.Random;

public class Mode_mapcorr {
  static void check(boolean ok, String what) {
    FijiDriver.check(ok, what);
  }

  static String f(double v) {
    return FijiDriver.f(v);
  }

  static MapCorrelation.Result corr(final ImagePlus current, String options)
      throws InterruptedException {
    final MapCorrelation cmd = new MapCorrelation();
    FijiDriver.asMacro(options, new Runnable() {
      public void run() {
        WindowManager.setTempCurrentImage(current);
        cmd.run("");
      }
    });
    return cmd.getResult();
  }

  /** White noise smoothed by a (2r+1)^2 box: a map correlated over about 2r+1 pixels. */
  static float[] smooth(int w, int h, int r, long seed) {
    Random rnd = new Random(seed);
    int W = w + 2 * r, H = h + 2 * r;
    double[] raw = new double[W * H];
    for (int i = 0; i < raw.length; i++) raw[i] = rnd.nextGaussian();
    float[] out = new float[w * h];
    for (int y = 0; y < h; y++)
      for (int x = 0; x < w; x++) {
        double s = 0;
        for (int j = -r; j <= r; j++)
          for (int i = -r; i <= r; i++) s += raw[(y + r + j) * W + x + r + i];
        out[y * w + x] = (float) (s / ((2 * r + 1) * (2 * r + 1)));
      }
    return out;
  }

  static ImagePlus map(String title, float[] v, int w, int h) {
    ImagePlus imp = new ImagePlus(title, new FloatProcessor(w, h, v, null));
    Interpreter.addBatchModeImage(imp);
    return imp;
  }

  public static void run() throws InterruptedException {
    boolean batch = Interpreter.batchMode;
    Interpreter.batchMode = true;
    try {
      body();
    } finally {
      Interpreter.batchMode = batch;
    }
  }

  static void body() throws InterruptedException {
    int w = 40, h = 30, n = w * h;
    // a: smooth log-normal "tau map"; b = a^2 * (1 + 5 % noise): monotone relation + noise
    float[] la = smooth(w, h, 1, 5);
    float[] a = new float[n], b = new float[n];
    Random rnd = new Random(6);
    for (int i = 0; i < n; i++) {
      a[i] = (float) Math.exp(2 * la[i]);
      b[i] = (float) (a[i] * a[i] * (1 + 0.05 * rnd.nextGaussian()));
    }
    ImagePlus ia = map("tauA", a, w, h), ib = map("tauB", b, w, h);
    ia.getCalibration().setValueUnit("s");
    ResultsTable rt = ResultsTable.getResultsTable();
    rt.reset();
    MapCorrelation.Result r = corr(ia, "map1=tauA map2=tauB permutations=199 seed=3");
    check(r != null, "monotone: result");
    if (r == null) return;
    double[] s = r.stats;
    check(s[NativeStats.SR_N] == n, "monotone: n = " + f(s[NativeStats.SR_N]) + " (all pixels)");
    check(s[NativeStats.SR_RHO] > 0.9, "monotone: rho = " + f(s[NativeStats.SR_RHO]) + " > 0.9");
    check(s[NativeStats.SR_P_PERM] <= 0.01 && s[NativeStats.SR_P_EFF] < 1e-3,
        "monotone: p_perm = " + f(s[NativeStats.SR_P_PERM]) + ", p_eff = "
            + f(s[NativeStats.SR_P_EFF]));
    check(s[NativeStats.SR_N_EFF] > 3 && s[NativeStats.SR_N_EFF] < n,
        "monotone: n_eff = " + f(s[NativeStats.SR_N_EFF]) + " < n (spatially correlated)");
    check(rt.size() == 1 && rt.getValue("rho", 0) == s[NativeStats.SR_RHO]
            && rt.getValue("p_perm", 0) == s[NativeStats.SR_P_PERM]
            && rt.getValue("n_eff", 0) == s[NativeStats.SR_N_EFF]
            && rt.getValue("n", 0) == n && rt.getStringValue("map1", 0).equals("tauA")
            && rt.getValue("permutations", 0) == 199 && rt.getValue("block_px", 0) == 3,
        "monotone: Results row (n, rho, p_perm, p_eff, n_eff, ...)");
    check(rt.getRowAsString(0).matches(".*\\d\\.\\d{6,}.*"), "Results precision >= 6 decimals");
    // the command is the core call: the same numbers as NativeStats.spearman directly
    double[] direct = NativeStats.spearman(a, b, null, w, h, 3, 199, 3, 0);
    check(java.util.Arrays.equals(direct, s), "same numbers as the core call itself");
    check(r.plot != null && r.plot.getImagePlus() != null && r.plotted == n,
        "scatter plot renders with " + r.plotted + " points");
    // the same seed gives the same p_perm; the log option changes the plot only
    MapCorrelation.Result rl = corr(ia, "map1=tauA map2=tauB log permutations=199 seed=3");
    check(rl != null && java.util.Arrays.equals(rl.stats, s), "log axes: same statistics");

    // independent smooth maps (fixed seeds): no significant correlation
    float[] c = smooth(w, h, 1, 11), d = smooth(w, h, 1, 12);
    ImagePlus ic = map("indepC", c, w, h), id = map("indepD", d, w, h);
    MapCorrelation.Result ri = corr(ic, "map1=indepC map2=indepD block=6 permutations=999 seed=1");
    check(ri != null, "independent: result");
    if (ri != null) {
      double[] t = ri.stats;
      System.out.println("ECM value independent rho=" + f(t[NativeStats.SR_RHO]) + " p_naive="
          + f(t[NativeStats.SR_P_NAIVE]) + " n_eff=" + f(t[NativeStats.SR_N_EFF]) + " p_eff="
          + f(t[NativeStats.SR_P_EFF]) + " p_perm=" + f(t[NativeStats.SR_P_PERM]));
      check(Math.abs(t[NativeStats.SR_RHO]) < 0.15, "independent: |rho| = "
          + f(t[NativeStats.SR_RHO]) + " < 0.15");
      check(t[NativeStats.SR_P_EFF] > 0.05 && t[NativeStats.SR_P_PERM] > 0.05,
          "independent: p_eff = " + f(t[NativeStats.SR_P_EFF]) + ", p_perm = "
              + f(t[NativeStats.SR_P_PERM]) + " > 0.05");
      // deterministic for these seeds (measured: rho 0.0768, p_eff 0.166, p_perm 0.152)
      check(t[NativeStats.SR_RHO] > 0.06 && t[NativeStats.SR_RHO] < 0.09
              && t[NativeStats.SR_P_EFF] > 0.12 && t[NativeStats.SR_P_EFF] < 0.22
              && t[NativeStats.SR_P_PERM] > 0.10 && t[NativeStats.SR_P_PERM] < 0.21
              && t[NativeStats.SR_P_NAIVE] < 0.05,
          "independent: values in the measured ranges (p_naive " + f(t[NativeStats.SR_P_NAIVE])
              + " < 0.05: the naive test is fooled, as documented)");
    }
    // same map twice: rho = 1
    MapCorrelation.Result rs = corr(ia, "map1=tauA map2=tauA permutations=99");
    check(rs != null && Math.abs(rs.stats[NativeStats.SR_RHO] - 1) < 1e-12,
        "same map twice: rho = " + (rs == null ? "-" : f(rs.stats[NativeStats.SR_RHO])));
    // NaN pixels are left out
    float[] bn = b.clone();
    for (int i = 0; i < 50; i++) bn[i * 7] = Float.NaN;
    map("tauBnan", bn, w, h);
    MapCorrelation.Result rn = corr(ia, "map1=tauA map2=tauBnan permutations=0");
    check(rn != null && rn.stats[NativeStats.SR_N] == n - 50
            && Double.isNaN(rn.stats[NativeStats.SR_P_PERM]),
        "50 NaN pixels left out: n = " + (rn == null ? "-" : f(rn.stats[NativeStats.SR_N]))
            + ", no permutation test with permutations=0");
    // an ROI on map 1 selects the pixels
    ia.setRoi(new ij.gui.Roi(5, 5, 10, 12));
    MapCorrelation.Result rr = corr(ia, "map1=tauA map2=tauB permutations=99");
    check(rr != null && rr.stats[NativeStats.SR_N] == 120 && rr.roiPixels == 120,
        "ROI of 10 x 12 on map 1: n = " + (rr == null ? "-" : f(rr.stats[NativeStats.SR_N])));
    ia.deleteRoi();
    // log axes: non-positive values are not plotted but still counted
    float[] ap = a.clone();
    for (int i = 0; i < 10; i++) ap[i] = -1;
    map("tauAneg", ap, w, h);
    MapCorrelation.Result rp = corr(ia, "map1=tauAneg map2=tauB log permutations=0");
    check(rp != null && rp.stats[NativeStats.SR_N] == n && rp.plotted == n - 10,
        "log axes: 10 non-positive pixels counted, not plotted");

    // refusals
    ImagePlus small = map("small", new float[20 * 30], 20, 30);
    check(corr(ia, "map1=tauA map2=small") == null, "mismatched sizes refused");
    float[] nan = new float[n];
    java.util.Arrays.fill(nan, Float.NaN);
    map("allnan", nan, w, h);
    check(corr(ia, "map1=tauA map2=allnan") == null, "all-NaN map refused");
    map("const", new float[n], w, h);
    check(corr(ia, "map1=tauA map2=const") == null, "constant map refused");
    check(corr(ia, "map1=tauA map2=[no such map]") == null, "unknown title refused");
    check(corr(ia, "map1=tauA map2=tauB block=0") == null, "block=0 refused");
    check(corr(ia, "map1=tauA map2=tauB permutations=-1") == null, "permutations=-1 refused");
    check(corr(ia, "map1=tauA map2=tauB seed=1.5") == null, "seed=1.5 refused");
    ImagePlus rgb = new ImagePlus("rgbmap", new ColorProcessor(w, h));
    Interpreter.addBatchModeImage(rgb);
    check(corr(ia, "map1=rgbmap map2=tauB") == null, "RGB map refused");
    ia.setRoi(new ij.gui.Roi(100, 100, 5, 5));
    check(corr(ia, "map1=tauA map2=tauB") == null, "ROI outside the map refused");
    ia.deleteRoi();
    check(small != null && rt.size() == 7, "refusals add no Results row (" + rt.size() + " rows)");
  }
}
