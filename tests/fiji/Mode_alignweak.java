// Simulate ECM Stack with drift and static crystals, and Align Stack's peak significance test
// (state weak_peak), driven as macros would (headless):
//  - drift_x=6 crystals=3: the aligner recovers the linear drift (within 0.2 px rms) with no
//    weak frame;
//  - pure relaxing speckle (nothing static): most frames are weak_peak, keep the previous
//    shift, the stack is not cropped to nothing and a warning is logged;
//  - the new simulator keys default to off: a macro line without them gives exactly the
//    stack of the original entry point; bad values are refused.
import ecm.fiji.AlignStack;
import ecm.fiji.EcmNative;
import ecm.fiji.SimulateStack;
import ij.ImagePlus;
import ij.measure.ResultsTable;

public class Mode_alignweak {
  static final String BASE = "frames=400 width=32 height=32 interval=0.5 pixel_size=1"
      + " tau_median=5 sigma=0.5 beta_min=0.5 beta_max=1 contrast=0.3 dose=0"
      + " map_correlation=4";

  public static void run() throws InterruptedException {
    drifted();
    pureSpeckle();
    defaultsAndRefusals();
  }

  static void drifted() throws InterruptedException {
    int nt = 400;
    double dx = 6;
    SimulateStack.Result sim = FijiDriver.simulate(BASE + " drift_x=" + dx + " crystals=3 seed=1");
    FijiDriver.check(sim != null && sim.stack.getNFrames() == nt, "drift_x=6 crystals=3 simulated");
    if (sim == null) return;
    AlignStack.Result r = FijiDriver.align(sim.stack,
        "reference=running upsample=20 apply=whole slices_as_time threads=0");
    FijiDriver.check(r != null, "drifted stack aligned");
    if (r == null) return;
    // the content of frame t moved by +dx t/(nt-1): the aligner must apply -dx t/(nt-1)
    double ss = 0, worst = 0;
    for (int t = 0; t < nt; t++) {
      double ex = r.shiftX[t] + dx * t / (nt - 1), ey = r.shiftY[t];
      ss += ex * ex + ey * ey;
      worst = Math.max(worst, Math.max(Math.abs(ex), Math.abs(ey)));
    }
    double rms = Math.sqrt(ss / (2.0 * nt));
    FijiDriver.check(rms <= 0.2, "drift recovered: rms error " + FijiDriver.f(rms) + " px, worst "
        + FijiDriver.f(worst) + " px (<= 0.2 px rms)");
    FijiDriver.check(r.nWeak == 0 && r.warning == null, "no weak frame (" + r.nWeak + ")");
    ResultsTable rt = ResultsTable.getResultsTable();
    boolean allOk = rt.size() == nt;
    for (int t = 0; t < rt.size() && allOk; t++) allOk = "ok".equals(rt.getStringValue("state", t));
    FijiDriver.check(allOk, "Results state column all ok");
    ImagePlus a = r.aligned;
    FijiDriver.check(a.getWidth() == 32 - 6 && a.getHeight() == 32 && a.getNFrames() == nt,
        "aligned stack cropped by the drift: " + a.getWidth() + "x" + a.getHeight());
  }

  static void pureSpeckle() throws InterruptedException {
    int nt = 400;
    SimulateStack.Result sim = FijiDriver.simulate(BASE + " seed=1");
    FijiDriver.check(sim != null, "pure speckle simulated");
    if (sim == null) return;
    AlignStack.Result r = FijiDriver.align(sim.stack,
        "reference=running upsample=20 apply=whole slices_as_time threads=0");
    FijiDriver.check(r != null, "pure speckle aligned");
    if (r == null) return;
    double maxAbs = 0;
    for (int t = 0; t < nt; t++)
      maxAbs = Math.max(maxAbs, Math.max(Math.abs(r.shiftX[t]), Math.abs(r.shiftY[t])));
    FijiDriver.check(r.nWeak > nt / 2, "mostly weak frames: " + r.nWeak + " of " + nt);
    FijiDriver.check(maxAbs < 1, "largest |shift| " + FijiDriver.f(maxAbs) + " px (< 1)");
    FijiDriver.check(r.aligned.getWidth() >= 30 && r.aligned.getHeight() >= 30,
        "not cropped to nothing: " + r.aligned.getWidth() + "x" + r.aligned.getHeight());
    FijiDriver.check(r.warning != null && r.warning.contains("no static contrast")
            && r.warning.startsWith(r.nWeak + " of " + nt + " frames"),
        "warning: " + r.warning);
    ResultsTable rt = ResultsTable.getResultsTable();
    int weakRows = 0;
    for (int t = 0; t < rt.size(); t++) {
      if ("weak_peak".equals(rt.getStringValue("state", t))) {
        weakRows++;
        // a weak frame keeps the shift of the frame before it
        if (t > 0 && (r.shiftX[t] != r.shiftX[t - 1] || r.shiftY[t] != r.shiftY[t - 1]))
          FijiDriver.check(false, "weak frame " + (t + 1) + " keeps the previous shift");
      }
    }
    FijiDriver.check(weakRows == r.nWeak, "Results state weak_peak rows " + weakRows);
    FijiDriver.check(EcmNative.ALIGN_STATE_NAMES.length == 4
            && EcmNative.ALIGN_STATE_NAMES[EcmNative.ALIGN_WEAK_PEAK].equals("weak_peak"),
        "ALIGN_STATE_NAMES has weak_peak at 3");
  }

  static void defaultsAndRefusals() throws InterruptedException {
    String line = "frames=50 width=5 height=4 interval=0.5 pixel_size=1 tau_median=2 sigma=0"
        + " beta_min=1 beta_max=1 contrast=0.3 dose=0 map_correlation=0 seed=7";
    SimulateStack.Result a = FijiDriver.simulate(line);
    SimulateStack.Result b = FijiDriver.simulate(line + " drift_x=0 drift_y=0 jitter=0 crystals=0"
        + " crystal_radius=3");
    EcmNative.SimStack s = EcmNative.simulate(50, 4, 5, 0.5, 1, 2, 0, 1, 1, 0.3, 0, 0, 7, 1, null);
    boolean same = a != null && b != null;
    for (int t = 0; same && t < 50; t++) {
      float[] fa = (float[]) a.stack.getStack().getPixels(t + 1);
      float[] fb = (float[]) b.stack.getStack().getPixels(t + 1);
      same = java.util.Arrays.equals(fa, fb) && java.util.Arrays.equals(fa, s.frames[t]);
    }
    FijiDriver.check(same, "no drift keys = explicit zeros = the original entry point, bit for bit");
    SimulateStack.Result j = FijiDriver.simulate(line + " drift_y=-3 jitter=0.2 crystals=1"
        + " crystal_radius=1.5");
    FijiDriver.check(j != null && j.stack.getNFrames() == 50, "drift_y, jitter, crystal_radius accepted");
    String[] bad = {"crystals=-1", "crystals=5000", "jitter=-1", "jitter=1000", "crystal_radius=0",
        "drift_x=NaN", "drift_y=1e9"};
    for (String k : bad)
      FijiDriver.check(FijiDriver.simulate(line + " " + k) == null, k + " refused");
  }
}
