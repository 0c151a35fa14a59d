package ecm.fiji;

import ij.gui.GenericDialog;

/**
 * The settings every g2-based command shares (Relaxation Maps, Split / Sliding-Window Maps,
 * g2 Inspector): the time axis and the lag binning, with one set of macro keys, dialog
 * labels, defaults and remembered values. The commands' Params extend it.
 */
public abstract class G2Params {
  public double frameInterval = 0; // [frame_interval] s; 0 = from Image>Properties
  public boolean slicesAsTime = true; // [slices_as_time]
  public double pointsPerDecade = 10; // [points_per_decade]
  public int maxLag = 0; // [max_lag] frames; 0 = half the series
  public boolean biasCorrection = true; // [bias_correction]
  /** Flatness test: a fit beating a flat g2 by less than this chi2 is no-decay; 0 = off. */
  public double noDecayDchi2 = 6; // [no_decay_dchi2] (ecm map --no-decay-dchi2)
  /** A converged tau below this fraction of the first delay is unresolved; 0 = off. */
  public double unresolvedFrac = 0.1; // [unresolved] (ecm map --unresolved)

  /** Start values: the remembered ones (interactive), else the built-in defaults. */
  void seed(Settings st) {
    frameInterval = st.get("frame_interval", 0.0);
    slicesAsTime = st.get("slices_as_time", true);
    pointsPerDecade = st.get("points_per_decade", 10.0);
    maxLag = (int) st.get("max_lag", 0.0);
    biasCorrection = st.get("bias_correction", true);
    noDecayDchi2 = st.get("no_decay_dchi2", 6.0);
    unresolvedFrac = st.get("unresolved", 0.1);
  }

  /** The macro options (headless): a missing number is its default, a missing flag off. */
  void parse(Util.Options o) {
    frameInterval = o.number("frame_interval", 0);
    slicesAsTime = o.flag("slices_as_time", false);
    pointsPerDecade = o.number("points_per_decade", 10);
    maxLag = Util.toInt("max_lag", o.number("max_lag", 0), 0, Integer.MAX_VALUE);
    biasCorrection = o.flag("bias_correction", false);
    noDecayDchi2 = o.number("no_decay_dchi2", 6);
    unresolvedFrac = o.number("unresolved", 0.1);
    checkThresholds();
  }

  /** The seven dialog fields, in this order; maxLagNote explains what 0 means. */
  void addFields(GenericDialog gd, String maxLagNote) {
    gd.addNumericField("Frame_interval (s; 0 = from image)", frameInterval, 6);
    gd.addCheckbox("Slices_as_time (for a stack of Z-slices with 1 frame)", slicesAsTime);
    gd.addNumericField("Points_per_decade", pointsPerDecade, 1);
    gd.addNumericField("Max_lag (frames; 0 = " + maxLagNote + ")", maxLag, 0);
    gd.addCheckbox("Bias_correction (finite-length bias of g2)", biasCorrection);
    gd.addNumericField("No_decay_dchi2 (flatness test; 0 = off)", noDecayDchi2, 3);
    gd.addNumericField("Unresolved (fraction of the first delay; 0 = off)", unresolvedFrac, 3);
  }

  /** Reads the fields added by addFields, in the same order. */
  void readFields(GenericDialog gd) {
    frameInterval = gd.getNextNumber();
    slicesAsTime = gd.getNextBoolean();
    pointsPerDecade = gd.getNextNumber();
    maxLag = Util.toInt("max_lag", gd.getNextNumber(), 0, Integer.MAX_VALUE);
    biasCorrection = gd.getNextBoolean();
    noDecayDchi2 = gd.getNextNumber();
    unresolvedFrac = gd.getNextNumber();
    checkThresholds();
  }

  /** Refuses a no-decay threshold or an unresolved fraction outside [0, 1e9] (as ecm map). */
  void checkThresholds() {
    EcmNative.checkRelaxThresholds(noDecayDchi2, unresolvedFrac);
  }

  /** Remembers the values (interactive runs only; see Settings). */
  void remember(Settings st) {
    st.set("frame_interval", frameInterval);
    st.set("slices_as_time", slicesAsTime);
    st.set("points_per_decade", pointsPerDecade);
    st.set("max_lag", maxLag);
    st.set("bias_correction", biasCorrection);
    st.set("no_decay_dchi2", noDecayDchi2);
    st.set("unresolved", unresolvedFrac);
  }
}
