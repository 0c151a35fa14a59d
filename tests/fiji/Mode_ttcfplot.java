// Mode ttcfplot of FijiDriver: Plugins>ECM>Two-Time Correlation's band overlay and tau-vs-age
// plot. Data: the ecm command line simulator's aging mode (--aging 4: tau grows 4x over the
// series; the Fiji simulator does not expose it), opened in ImageJ from its TIFF. Checks the
// verdict "aging", the plot's points, the overlay's band edges against the core's tau_band,
// and the per-age band, slope and verdict against `ecm ttcf` on the same file.
import ecm.fiji.EcmException;
import ecm.fiji.EcmNative;
import ecm.fiji.Progress;
import ecm.fiji.TwoTimeCorrelation;
import ij.IJ;
import ij.ImagePlus;
import ij.WindowManager;
import ij.gui.Overlay;
import ij.gui.Roi;
import ij.measure.Calibration;
import ij.measure.ResultsTable;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

public class Mode_ttcfplot {
  static String f(double v) {
    return String.format(Locale.ROOT, "%.6g", v);
  }

  static TwoTimeCorrelation.Result ttcf(final ImagePlus imp, String options)
      throws InterruptedException {
    final TwoTimeCorrelation cmd = new TwoTimeCorrelation();
    FijiDriver.asMacro(options, new Runnable() {
      public void run() {
        WindowManager.setTempCurrentImage(imp);
        cmd.run("");
      }
    });
    return cmd.getResult();
  }

  public static void run() throws Exception {
    File cli = Mode_g4.findCli();
    FijiDriver.check(cli != null, "ecm command line found (" + cli + ")");
    if (cli == null) return;
    File dir = new File("").getAbsoluteFile();
    String ecm = cli.getPath();
    // tau 2.5 s = 5 frames at the first frame, 4x that at the last (docs/simulator.md 10a:
    // the band widens 3.4-3.8x, verdict aging).
    FijiDriver.check(Mode_g4.exec(dir, ecm, "simulate", "darkfield", "-o", "age", "-n", "1600",
                         "--width", "24", "--height", "24", "--dt", "0.5", "--tau", "2.5",
                         "--tau-sigma", "0", "--beta", "1", "--contrast", "0.3", "--map-corr",
                         "0", "--aging", "4", "--seed", "3", "--force", "-q"),
        "ecm simulate --aging 4");
    ImagePlus imp = IJ.openImage(new File(dir, "age.tif").getPath());
    FijiDriver.check(imp != null && imp.getNFrames() == 1600, "aging stack opened");
    if (imp == null) return;
    ResultsTable.getResultsTable().reset();
    long t0 = System.nanoTime();
    TwoTimeCorrelation.Result r = ttcf(imp, "frame_interval=0 bin_time=1 threads=2");
    double secs = (System.nanoTime() - t0) * 1e-9;
    FijiDriver.check(r != null, "ttcf produced a result (" + f(secs) + " s)");
    if (r == null) return;
    double[] s = r.summary;
    EcmNative.TtcfResult t = r.raw;
    String verdict = EcmNative.VERDICT_NAMES[(int) s[EcmNative.T_VERDICT]];
    FijiDriver.check(verdict.equals("aging") && s[EcmNative.T_SLOPE] > 2 * s[EcmNative.T_SLOPE_ERR],
        "verdict " + verdict + ", slope " + f(s[EcmNative.T_SLOPE]) + " +- "
            + f(s[EcmNative.T_SLOPE_ERR]) + " per s, change x" + f(s[EcmNative.T_CHANGE]));
    int measured = 0;
    for (double v : t.bandTau) measured += v > 0 && !Double.isInfinite(v) ? 1 : 0;
    FijiDriver.check(t.bandAge.length == (int) s[EcmNative.T_N_BAND] && measured >= 3,
        t.bandAge.length + " ages, " + measured + " with a band width");
    // the band widens about 4x (early vs late quarter)
    int q = Math.max(1, t.bandTau.length / 4);
    double early = 0, late = 0;
    for (int k = 0; k < q; k++) {
      early += t.bandTau[k] / q;
      late += t.bandTau[t.bandTau.length - 1 - k] / q;
    }
    FijiDriver.check(late / early > 2 && late / early < 6,
        "band " + f(early) + " s early, " + f(late) + " s late (ratio " + f(late / early) + ")");

    // the image: C(t1,t2) styled, axes in s, band edges as an overlay
    ImagePlus g = r.ttcf;
    Calibration c = g.getCalibration();
    FijiDriver.check(c.getUnit().equals("s") && Math.abs(c.pixelWidth - 0.5) < 1e-12,
        "TTCF axes in s (" + c.pixelWidth + " " + c.getUnit() + ")");
    Overlay ov = g.getOverlay();
    int bands = 0, points = 0;
    double worst = 0;
    if (ov != null) {
      for (int i = 0; i < ov.size(); i++) {
        Roi roi = ov.get(i);
        if (!TwoTimeCorrelation.BAND_ROI.equals(roi.getName())) continue;
        bands++;
        float[] px = roi.getFloatPolygon().xpoints, py = roi.getFloatPolygon().ypoints;
        for (int j = 0; j < roi.getFloatPolygon().npoints; j++) {
          // |t2 - t1| of each drawn point is one of the core's tau_band (in frames)
          double d = Math.abs(px[j] - py[j]) * 0.5, best = Double.POSITIVE_INFINITY;
          for (double v : t.bandTau)
            if (v > 0) best = Math.min(best, Math.abs(d - v));
          worst = Math.max(worst, best);
          points++;
        }
      }
    }
    FijiDriver.check(bands >= 2 && points == 2 * measured && worst < 1e-4,
        "band overlay: " + bands + " lines, " + points + " points (2 x " + measured
            + "), |t2 - t1| = tau_band within " + f(worst) + " s");
    FijiDriver.check(ov != null && ov.size() > bands, "calibration bar kept in the overlay");

    // the plot: one point per measured age, the fitted line, the verdict in the legend
    FijiDriver.check(r.agePlot != null && r.agePoints == measured,
        "tau vs age plot with " + r.agePoints + " points");
    if (r.agePlot != null) {
      float[][] d0 = r.agePlot.getDataObjectArrays(0);
      // {x, y, x errors, y errors} (ImageJ's Plot.getDataObjectArrays)
      FijiDriver.check(d0 != null && d0[0].length == measured && d0.length >= 4
              && d0[3] != null && d0[3].length == measured,
          "first data set: " + (d0 == null ? "-" : d0[0].length) + " points with error bars");
      float[][] d1 = r.agePlot.getDataObjectArrays(1);
      boolean lineOk = d1 != null && d1[0].length > 2;
      if (lineOk) { // the drawn line is exp(c + slope x age)
        int m = d1[0].length - 1;
        double want = Math.exp(s[EcmNative.T_INTERCEPT] + s[EcmNative.T_SLOPE] * d1[0][m]);
        lineOk = Math.abs(d1[1][m] / want - 1) < 1e-5;
      }
      FijiDriver.check(lineOk, "fitted line ln tau = c + slope age drawn");
      ImagePlus pi = r.agePlot.getImagePlus();
      FijiDriver.check(pi != null && pi.getWidth() > 100, "plot renders headless");
    }
    ResultsTable rt = ResultsTable.getResultsTable();
    FijiDriver.check(rt.size() == 1 && rt.getStringValue("verdict", 0).equals("aging")
            && rt.getValue("band_ages_measured", 0) == measured
            && Math.abs(rt.getValue("band_intercept", 0) - s[EcmNative.T_INTERCEPT]) < 1e-9
            && rt.getStringValue("band_reference", 0).equals("kww_A"),
        "Results row with verdict, band_intercept, band_ages_measured, band_reference");

    // `ecm ttcf` on the same file: the same band, slope and verdict
    FijiDriver.check(Mode_g4.exec(dir, ecm, "ttcf", "age.tif", "-o", "cli", "--threads", "2",
                         "--force", "-q"),
        "ecm ttcf on the same TIFF");
    List<String> band = Files.readAllLines(new File(dir, "cli_band.csv").toPath(),
        StandardCharsets.UTF_8);
    boolean same = band.size() == t.bandAge.length + 1;
    double maxRel = 0;
    for (int k = 0; same && k < t.bandAge.length; k++) {
      String[] v = band.get(k + 1).split(",");
      double a = Double.parseDouble(v[0]), tb = Double.parseDouble(v[1]);
      same = Math.abs(a - t.bandAge[k]) <= 1e-9 * Math.abs(a) + 1e-12;
      if (!Double.isNaN(tb) || !Double.isNaN(t.bandTau[k]))
        maxRel = Math.max(maxRel, Math.abs(tb - t.bandTau[k]) / Math.abs(tb));
    }
    FijiDriver.check(same && maxRel < 1e-6, "band per age equals the CLI's cli_band.csv (max rel "
        + maxRel + ")");
    String js = new String(Files.readAllBytes(new File(dir, "cli_ttcf.json").toPath()),
        StandardCharsets.UTF_8);
    double cliSlope = Mode_g4.json(js, "slope_per_s");
    FijiDriver.check(Mode_g4.close(cliSlope, s[EcmNative.T_SLOPE], 1e-5)
            && js.contains("\"verdict\": \"aging\""),
        "slope " + f(s[EcmNative.T_SLOPE]) + " = CLI " + f(cliSlope) + ", CLI verdict aging");

    // a short constant-free random series: few or no measurable ages, still a plot, no crash
    ij.ImageStack st = new ij.ImageStack(8, 8);
    java.util.Random rnd = new java.util.Random(5);
    for (int i = 0; i < 12; i++) {
      float[] v = new float[64];
      for (int j = 0; j < 64; j++) v[j] = 1 + rnd.nextFloat();
      st.addSlice(new ij.process.FloatProcessor(8, 8, v, null));
    }
    ImagePlus shortImp = new ImagePlus("short", st);
    shortImp.setDimensions(1, 1, 12);
    TwoTimeCorrelation.Result rs = ttcf(shortImp, "bin_time=1");
    FijiDriver.check(rs != null && rs.agePlot != null && rs.agePlot.getImagePlus() != null,
        "12-frame noise: verdict " + (rs == null ? "-"
            : EcmNative.VERDICT_NAMES[(int) rs.summary[EcmNative.T_VERDICT]]) + ", "
            + (rs == null ? 0 : rs.agePoints) + " plotted ages");

    // bad input and a cancelled run: an error, no result, no crash
    ImagePlus one = new ImagePlus("one", new ij.process.FloatProcessor(8, 8));
    FijiDriver.check(ttcf(one, "bin_time=1") == null, "1-frame image refused");
    FijiDriver.check(ttcf(imp, "bin_time=1 frame_interval=NaN") == null,
        "frame_interval=NaN refused");
    FijiDriver.check(ttcf(imp, "bin_time=1e12") == null, "bin_time=1e12 refused");
    imp.setRoi(new Roi(500, 500, 4, 4));
    FijiDriver.check(ttcf(imp, "bin_time=1") == null, "ROI outside the image refused");
    imp.deleteRoi();
    TwoTimeCorrelation.Params p = new TwoTimeCorrelation.Params();
    try {
      TwoTimeCorrelation.compute(imp, p, new Progress() {
        public boolean update(double fr, String stage) {
          return true;
        }
      });
      FijiDriver.check(false, "cancel: no exception");
    } catch (EcmException e) {
      FijiDriver.check(e.isCancel(), "cancelled run -> EcmException code " + e.getCode());
    }
    System.out.println(String.format(Locale.ROOT,
        "ECM value ttcfplot slope=%.6g err=%.6g change=%.4g seconds=%.3f", s[EcmNative.T_SLOPE],
        s[EcmNative.T_SLOPE_ERR], s[EcmNative.T_CHANGE], secs));
    newKeys(dir, ecm);
  }

  static boolean sameResult(TwoTimeCorrelation.Result a, EcmNative.TtcfResult b) {
    EcmNative.TtcfResult x = a.raw;
    return Arrays.equals(x.g, b.g) && Arrays.equals(x.summary, b.summary)
        && Arrays.equals(x.bandAge, b.bandAge) && Arrays.equals(x.bandTau, b.bandTau)
        && Arrays.equals(x.bandErr, b.bandErr) && Arrays.equals(x.bandRef, b.bandRef)
        && Arrays.equals(x.gLag, b.gLag) && Arrays.equals(x.gOne, b.gOne)
        && Arrays.equals(x.gSem, b.gSem);
  }

  /** Largest relative difference between a CSV's column col (header skipped) and v. */
  static double csvDiff(File f, int col, double[] v) throws Exception {
    List<String> lines = Files.readAllLines(f.toPath(), StandardCharsets.UTF_8);
    if (lines.size() != v.length + 1) return Double.POSITIVE_INFINITY;
    double worst = 0;
    for (int k = 0; k < v.length; k++) {
      double c = Double.parseDouble(lines.get(k + 1).split(",")[col]);
      if (Double.isNaN(c) && Double.isNaN(v[k])) continue;
      worst = Math.max(worst, Math.abs(c - v[k]) / Math.max(Math.abs(c), 1e-300));
    }
    return worst;
  }

  /**
   * The keys of `ecm ttcf` that the dialog gained (block, include_diagonal, points_per_decade,
   * band_window, change_factor): absent keys = explicit defaults = the original entry point,
   * bit for bit; each key takes effect; block=4 equals `ecm ttcf --block 4`; bad values refused.
   */
  static void newKeys(File dir, String ecm) throws Exception {
    FijiDriver.check(Mode_g4.exec(dir, ecm, "simulate", "darkfield", "-o", "keys", "-n", "400",
                         "--width", "16", "--height", "16", "--dt", "0.5", "--tau", "2.5",
                         "--tau-sigma", "0", "--beta", "1", "--contrast", "0.3", "--map-corr",
                         "0", "--aging", "4", "--seed", "5", "--force", "-q"),
        "ecm simulate 400 frames of 16 x 16 (aging)");
    ImagePlus imp = IJ.openImage(new File(dir, "keys.tif").getPath());
    FijiDriver.check(imp != null && imp.getNFrames() == 400, "keys stack opened");
    if (imp == null) return;
    TwoTimeCorrelation.Result d = ttcf(imp, "bin_time=1 threads=2");
    TwoTimeCorrelation.Result x = ttcf(imp, "bin_time=1 block=0 points_per_decade=10"
        + " band_window=0 change_factor=1.25 threads=2");
    FijiDriver.check(d != null && x != null, "ttcf with and without the new keys");
    if (d == null || x == null) return;
    Object[] slices = new Object[400];
    for (int t = 0; t < 400; t++) slices[t] = imp.getStack().getPixels(t + 1);
    double dt = imp.getCalibration().frameInterval;
    EcmNative.TtcfResult old = EcmNative.ttcf(slices, 16, 16, dt,
        imp.getCalibration().getTimeUnit(), 1, false, null, 2, null);
    FijiDriver.check(sameResult(d, x.raw) && sameResult(d, old),
        "no new keys = explicit defaults = the original entry point, bit for bit");
    double[] s0 = d.summary;

    // block=4: the mean of the 16 blocks' own G; equals `ecm ttcf --block 4`
    TwoTimeCorrelation.Result b = ttcf(imp, "bin_time=1 block=4 threads=2");
    FijiDriver.check(b != null && b.summary[EcmNative.T_SETS] == 16 && s0[EcmNative.T_SETS] == 1
            && !Arrays.equals(b.raw.g, d.raw.g),
        "block=4: " + (b == null ? "-" : (long) b.summary[EcmNative.T_SETS]) + " sets, G changed");
    if (b != null) {
      FijiDriver.check(Mode_g4.exec(dir, ecm, "ttcf", "keys.tif", "-o", "blk", "--block", "4",
                           "--threads", "2", "--force", "-q"),
          "ecm ttcf --block 4");
      double dg = csvDiff(new File(dir, "blk_g.csv"), 1, b.raw.gOne);
      double db = csvDiff(new File(dir, "blk_band.csv"), 1, b.raw.bandTau);
      ImagePlus cg = IJ.openImage(new File(dir, "blk_ttcf.tif").getPath());
      double dG = Double.POSITIVE_INFINITY;
      if (cg != null && cg.getWidth() == b.raw.n) {
        float[] v = (float[]) cg.getProcessor().getPixels();
        dG = 0;
        for (int i = 0; i < v.length; i++) dG = Math.max(dG, Math.abs(v[i] - b.raw.g[i]));
      }
      FijiDriver.check(dg < 1e-6 && db < 1e-6 && dG < 1e-6, "block=4 equals the CLI: g rel "
          + f(dg) + ", band rel " + f(db) + ", G abs " + f(dG));
    }
    // include_diagonal: g(t) gains the lag-0 point G(t,t) (counting noise spike) and the band
    // reference becomes the diagonal
    TwoTimeCorrelation.Result g = ttcf(imp, "bin_time=1 include_diagonal threads=2");
    FijiDriver.check(g != null && g.raw.gLag.length == d.raw.gLag.length + 1
            && g.raw.gLag[0] == 0 && g.raw.gOne[0] > g.raw.gOne[1]
            && Arrays.equals(Arrays.copyOfRange(g.raw.gOne, 1, g.raw.gOne.length), d.raw.gOne)
            && Arrays.equals(g.raw.g, d.raw.g)
            && EcmNative.BAND_REF_NAMES[(int) g.summary[EcmNative.T_REF_USED]].equals("diagonal"),
        "include_diagonal: g(0) = " + (g == null ? "-" : f(g.raw.gOne[0]) + " > g(1 frame) = "
            + f(g.raw.gOne[1])) + ", band reference diagonal");
    // points_per_decade=4: fewer lag bins
    TwoTimeCorrelation.Result pp = ttcf(imp, "bin_time=1 points_per_decade=4 threads=2");
    FijiDriver.check(pp != null && pp.raw.gLag.length < d.raw.gLag.length,
        "points_per_decade=4: " + (pp == null ? "-" : pp.raw.gLag.length) + " lag bins (default "
            + d.raw.gLag.length + ")");
    // band_window=50: 8 ages of 50 frames (default max(8, 400/16) = 25 -> 16 ages)
    TwoTimeCorrelation.Result bw = ttcf(imp, "bin_time=1 band_window=50 threads=2");
    FijiDriver.check(bw != null && bw.summary[EcmNative.T_BAND_WINDOW] == 50
            && bw.raw.bandAge.length == 8 && s0[EcmNative.T_BAND_WINDOW] == 25
            && d.raw.bandAge.length == 16,
        "band_window=50: " + (bw == null ? "-" : bw.raw.bandAge.length) + " ages");
    // change_factor: the numbers stay, the verdict threshold moves
    TwoTimeCorrelation.Result cf = ttcf(imp, "bin_time=1 change_factor=1e6 threads=2");
    String v0 = EcmNative.VERDICT_NAMES[(int) s0[EcmNative.T_VERDICT]];
    String v1 = cf == null ? "-" : EcmNative.VERDICT_NAMES[(int) cf.summary[EcmNative.T_VERDICT]];
    FijiDriver.check(cf != null && v0.equals("aging") && v1.equals("stationary")
            && cf.summary[EcmNative.T_CHANGE] == s0[EcmNative.T_CHANGE],
        "change_factor=1e6: verdict " + v1 + " (default " + v0 + ", change x"
            + f(s0[EcmNative.T_CHANGE]) + ")");
    // refusals: an error, no result
    String[] bad = {"block=1", "block=-4", "block=2.5", "block=1e7", "points_per_decade=0.5",
        "points_per_decade=1001", "points_per_decade=NaN", "band_window=-1", "band_window=1.5",
        "change_factor=1", "change_factor=0.5", "change_factor=Infinity", "change_factor=NaN"};
    for (String k : bad)
      FijiDriver.check(ttcf(imp, "bin_time=1 " + k) == null, k + " refused");
    try {
      EcmNative.ttcf(slices, 16, 16, dt, "s", 1, 1, false, false, 10, 0, 1.25, null, 1, null);
      FijiDriver.check(false, "EcmNative.ttcf block 1: no exception");
    } catch (EcmException e) {
      FijiDriver.check(e.getMessage().contains("block"), "EcmNative.ttcf block 1: "
          + e.getMessage());
    }
  }
}
