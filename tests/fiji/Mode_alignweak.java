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
    newKeys();
  }

  static boolean same(AlignStack.Result a, AlignStack.Result b) {
    if (a == null || b == null) return false;
    boolean eq = java.util.Arrays.equals(a.shiftX, b.shiftX)
        && java.util.Arrays.equals(a.shiftY, b.shiftY) && java.util.Arrays.equals(a.peak, b.peak)
        && java.util.Arrays.equals(a.state, b.state) && java.util.Arrays.equals(a.crop, b.crop)
        && a.aligned.getStackSize() == b.aligned.getStackSize();
    for (int t = 1; eq && t <= a.aligned.getStackSize(); t++)
      eq = java.util.Arrays.equals((float[]) a.aligned.getStack().getPixels(t),
          (float[]) b.aligned.getStack().getPixels(t));
    return eq;
  }

  /**
   * The keys of `ecm align` that the dialog gained (ref_frame, ref_count, block, window,
   * regularization, max_shift, psr_margin): absent keys = explicit defaults = the original
   * entry point, bit for bit; each key takes effect; bad values refused.
   */
  static void newKeys() throws InterruptedException {
    int nt = 6, w = 64, h = 56, dx = 1, dy = -2;
    ImagePlus imp = FijiDriver.driftStack(nt, w, h, dx, dy);
    String base = "reference=running upsample=20 apply=whole threads=2";
    AlignStack.Result d = FijiDriver.align(imp, base);
    AlignStack.Result x = FijiDriver.align(imp, base + " ref_frame=1 ref_count=10 block=16"
        + " window=tukey regularization=10 max_shift=0 psr_margin=3.5");
    Object[] slices = new Object[nt];
    for (int t = 0; t < nt; t++) slices[t] = imp.getStack().getPixels(t + 1);
    EcmNative.AlignResult o = EcmNative.align(slices, w, h, "running", 20, "whole", null, 2, null);
    boolean orig = d != null && java.util.Arrays.equals(d.shiftX, o.shiftX)
        && java.util.Arrays.equals(d.shiftY, o.shiftY) && java.util.Arrays.equals(d.peak, o.peak)
        && java.util.Arrays.equals(d.state, o.state);
    FijiDriver.check(same(d, x) && orig,
        "no new keys = explicit defaults = the original entry point, bit for bit");
    if (d == null) return;
    // reference=frame ref_frame=5: frame 5 is the reference (shift 0), frame t is shifted by
    // -(t - 4) (dx, dy)
    AlignStack.Result f5 = FijiDriver.align(imp, "reference=frame ref_frame=5 upsample=20"
        + " apply=whole");
    double worst = 0;
    for (int t = 0; f5 != null && t < nt; t++) {
      worst = Math.max(worst, Math.abs(f5.shiftX[t] + (t - 4) * dx));
      worst = Math.max(worst, Math.abs(f5.shiftY[t] + (t - 4) * dy));
    }
    FijiDriver.check(f5 != null && f5.shiftX[4] == 0 && f5.shiftY[4] == 0 && worst <= 0.1,
        "reference=frame ref_frame=5: frame 5 unshifted, others relative to it (worst "
            + FijiDriver.f(worst) + " px)");
    // ref_count: with 1 frame the mean is frame 1 (the drift is recovered); with all 6 it holds
    // a copy of every frame, each frame finds its own copy (shifts stay small)
    AlignStack.Result m1 = FijiDriver.align(imp, "reference=mean ref_count=1 upsample=20");
    AlignStack.Result m6 = FijiDriver.align(imp, "reference=mean ref_count=6 upsample=20");
    double w1 = 0, max6 = 0;
    for (int t = 0; m1 != null && m6 != null && t < nt; t++) {
      w1 = Math.max(w1, Math.abs(m1.shiftX[t] + t * dx) + Math.abs(m1.shiftY[t] + t * dy));
      max6 = Math.max(max6, Math.max(Math.abs(m6.shiftX[t]), Math.abs(m6.shiftY[t])));
    }
    FijiDriver.check(m1 != null && m6 != null && w1 <= 0.2 && max6 < 5,
        "ref_count=1 recovers the drift (error " + FijiDriver.f(w1) + " px); ref_count=6: largest"
            + " |shift| " + FijiDriver.f(max6) + " px (< 5, drift 10)");
    // max_shift=3: the search stops at 3 px. Frame 3 (drift 4 px) peaks on the boundary:
    // at_limit, clamped to 3 px; the frames beyond find no distinct peak inside: weak_peak
    // (they keep frame 3's shift); none of the four is ok
    for (String psr : new String[] {""}) {
      AlignStack.Result ms = FijiDriver.align(imp, "reference=frame max_shift=3 upsample=20" + psr);
      boolean limOk = ms != null;
      int atLimit = 0;
      for (int t = 0; limOk && t < nt; t++) {
        boolean far = Math.abs(t * dy) > 3;
        atLimit += ms.state[t] == 2 ? 1 : 0;
        limOk = (far ? ms.state[t] == 2 || ms.state[t] == 3
                     : ms.state[t] == 0 && Math.abs(ms.shiftY[t] + t * dy) <= 0.1)
            && (t != 2 || ms.state[t] == 2 && ms.shiftY[t] == 3)
            && Math.abs(ms.shiftX[t]) <= 3 + 1e-9 && Math.abs(ms.shiftY[t]) <= 3 + 1e-9;
      }
      StringBuilder sts = new StringBuilder();
      for (int t = 0; ms != null && t < nt; t++)
        sts.append(' ').append(EcmNative.ALIGN_STATE_NAMES[ms.state[t]]).append('(')
            .append(FijiDriver.f(ms.shiftX[t])).append(',').append(FijiDriver.f(ms.shiftY[t]))
            .append(')');
      FijiDriver.check(limOk, "max_shift=3" + psr + ": the " + (nt - 2) + " frames drifted by more"
          + " than 3 px are not ok (" + atLimit + " at_limit), shifts within 3 px:" + sts);
    }
    // block, window, regularization change the correlation peaks (the reference or the
    // normalisation), not the recovered drift
    String[] alt = {"block=1", "window=none", "window=hann", "regularization=0"};
    for (String k : alt) {
      AlignStack.Result r = FijiDriver.align(imp, base + " " + k);
      boolean drift = r != null;
      for (int t = 0; drift && t < nt; t++)
        drift = Math.abs(r.shiftX[t] + t * dx) <= 0.1 && Math.abs(r.shiftY[t] + t * dy) <= 0.1;
      FijiDriver.check(drift && !java.util.Arrays.equals(r.peak, d.peak),
          k + ": drift recovered, peaks changed (" + (r == null ? "-" : FijiDriver.f(r.peak[nt - 1]))
              + " vs " + FijiDriver.f(d.peak[nt - 1]) + ")");
    }
    // psr_margin: on pure speckle the default flags most frames weak_peak; -10 turns the test
    // off, 100 flags every frame after the first
    SimulateStack.Result sim = FijiDriver.simulate(BASE.replace("frames=400", "frames=60")
        + " seed=1");
    if (sim != null) {
      AlignStack.Result off = FijiDriver.align(sim.stack, "psr_margin=-10 slices_as_time");
      AlignStack.Result all = FijiDriver.align(sim.stack, "psr_margin=100 slices_as_time");
      FijiDriver.check(off != null && off.nWeak == 0 && all != null && all.nWeak >= 55,
          "psr_margin=-10: " + (off == null ? "-" : off.nWeak) + " weak frames; psr_margin=100: "
              + (all == null ? "-" : all.nWeak));
    }
    // refusals: an error, no result
    String[] bad = {"reference=frame ref_frame=0", "reference=frame ref_frame=7",
        "ref_frame=1.5", "reference=mean ref_count=0", "block=0", "block=4097", "window=bogus",
        "regularization=-1", "regularization=1e7", "regularization=NaN", "max_shift=-1",
        "max_shift=NaN", "max_shift=1e7", "psr_margin=101", "psr_margin=-101",
        "psr_margin=NaN"};
    for (String k : bad)
      FijiDriver.check(FijiDriver.align(imp, k) == null, k + " refused");
    try {
      EcmNative.align(slices, w, h, "frame", 6, 10, 16, 20, "tukey", 10, 0, 3.5, "whole", null, 1,
          null);
      FijiDriver.check(false, "EcmNative.align ref_frame 7 of 6: no exception");
    } catch (ecm.fiji.EcmException e) {
      FijiDriver.check(e.getMessage().contains("ref_frame"), "EcmNative.align: " + e.getMessage());
    }
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
