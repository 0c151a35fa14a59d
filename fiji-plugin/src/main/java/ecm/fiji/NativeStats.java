package ecm.fiji;

/**
 * Typed, argument-checked entry points into libecm for the time-windowed maps (first and
 * second half, sliding windows: ecm_relax_split, ecm_relax_windows) and the statistics
 * (Spearman of two maps, Arrhenius fit, xi-tau models: core/include/ecm/stats.h). Every
 * failure becomes an {@link EcmException}; the natives live in jni/ecm_jni_split.c and
 * jni/ecm_jni_stats.c.
 */
public final class NativeStats {
  private NativeStats() {}

  // ---- halves ----

  /** Indices into {@link Halves#info} (mirrors jni/ecm_jni_split.c). */
  public static final int SP_NT = 0, SP_FIRST0 = 1, SP_FIRST1 = 2, SP_SECONDS = 3, SP_DT = 4,
      SP_N_BOTH = 5, SP_PEARSON = 6, SP_PEARSON_LO = 7, SP_PEARSON_HI = 8, SP_NULL_SD = 9,
      SP_SPEARMAN = 10, SP_PEARSON_BETA = 11, SP_RATIO_MEDIAN = 12, SP_LNRATIO_SD = 13,
      SP_LNRATIO_SD_ROBUST = 14, SP_LNRATIO_SD_EXPECTED = 15, SP_LNTAU_SD0 = 16,
      SP_LNTAU_SD1 = 17, SP_TAU_MED0 = 18, SP_TAU_MED1 = 19, SP_COUNT0 = 20;
  /** Number of pixel status codes (ecm_relax_status). */
  public static final int NSTATUS = 10;

  /** Maps of the two halves: index 0 = frames [0, h), 1 = frames [h, 2h); and the comparison. */
  public static final class Halves {
    public final float[][] tau = new float[2][], beta = new float[2][], amp = new float[2][],
        status = new float[2][];
    /** The SP_* numbers: frames per half, first frames, time unit, comparison, counts. */
    public final double[] info;

    Halves(Object[] r) {
      for (int k = 0; k < 2; k++) {
        tau[k] = (float[]) r[4 * k];
        beta[k] = (float[]) r[4 * k + 1];
        amp[k] = (float[]) r[4 * k + 2];
        status[k] = (float[]) r[4 * k + 3];
      }
      info = (double[]) r[8];
    }

    /** Pixels of half k with status code s. */
    public double count(int k, int s) {
      return info[SP_COUNT0 + k * NSTATUS + s];
    }
  }

  private static void checkMapArgs(Object[] slices, int width, int height, double frameInterval,
      double pointsPerDecade, int maxLag, double noDecayDchi2, double unresolvedFrac,
      int threads, byte[] mask, String what) {
    if (slices == null)
      throw new EcmException(EcmException.ENODATA, what + ": no frames");
    if (width < 1 || height < 1)
      throw new EcmException(EcmException.EINVAL, "width and height must be >= 1");
    int n = width * height;
    for (Object s : slices) {
      if (!(s instanceof float[] || s instanceof short[] || s instanceof byte[]))
        throw new EcmException(EcmException.EUNSUPPORTED,
            what + " needs an 8-, 16- or 32-bit stack (RGB is not supported)");
      int len = s instanceof float[] ? ((float[]) s).length
                : s instanceof short[] ? ((short[]) s).length : ((byte[]) s).length;
      if (len != n)
        throw new EcmException(EcmException.EINVAL, what + ": every slice must hold width*height"
            + " values");
    }
    if (!(pointsPerDecade > 0) || pointsPerDecade > 1000)
      throw new EcmException(EcmException.EINVAL, "points per decade must be in (0, 1000]");
    if (maxLag < 0) throw new EcmException(EcmException.EINVAL, "maximum lag must be >= 0");
    EcmNative.checkRelaxThresholds(noDecayDchi2, unresolvedFrac);
    if (threads < 0) throw new EcmException(EcmException.EINVAL, "threads must be >= 0");
    if (!(frameInterval >= 0) || Double.isInfinite(frameInterval))
      throw new EcmException(EcmException.EINVAL, "frame interval must be >= 0");
    if (mask != null && mask.length != n)
      throw new EcmException(EcmException.EINVAL, "the ROI mask must hold width*height values");
  }

  /**
   * Maps of the first and second half of a series (ecm_relax_split): frames [0, h) and
   * [h, 2h), h = floor(N/2), each exactly ecm_relax_map of its frames with the given
   * parameters (as {@link EcmNative#relaxMap}), and their comparison (ecm_relax_compare).
   */
  public static Halves split(Object[] slices, int width, int height, double frameInterval,
      String timeUnit, double pointsPerDecade, int maxLag, boolean biasCorrection,
      double noDecayDchi2, double unresolvedFrac, int threads, Progress progress, byte[] mask) {
    checkMapArgs(slices, width, height, frameInterval, pointsPerDecade, maxLag, noDecayDchi2,
        unresolvedFrac, threads, mask, "split maps");
    if (slices.length < 6)
      throw new EcmException(EcmException.ENODATA, "split maps need at least 6 frames (3 per"
          + " half; this stack has " + slices.length + ")");
    EcmNative.load();
    return new Halves(nativeSplit(slices, width, height, frameInterval,
        timeUnit == null ? "" : timeUnit, pointsPerDecade, maxLag, biasCorrection, noDecayDchi2,
        unresolvedFrac, threads, progress, mask));
  }

  // ---- sliding windows ----

  /** Indices into a row of {@link Windows#rows} (mirrors jni/ecm_jni_split.c). */
  public static final int W_FIRST = 0, W_T_START = 1, W_T_CENTER = 2, W_N_PIXELS = 3,
      W_N_CONVERGED = 4, W_CONV_FRACTION = 5, W_TAU_MED = 6, W_TAU_SIGMA = 7, W_BETA_MEAN = 8,
      W_COUNT0 = 9, W_LEN = W_COUNT0 + NSTATUS;

  /** Maps of every window (frame-major planes: window k at [k*w*h, (k+1)*w*h)). */
  public static final class Windows {
    public final float[] tau, beta, amp, status;
    /** One row of W_LEN numbers per window. */
    public final double[][] rows;
    public final int nWindows, length, step;
    /** Frame interval in the time unit (1 when uncalibrated). */
    public final double dt;
    /** True when times are in seconds (else frames). */
    public final boolean seconds;

    Windows(Object[] r) {
      tau = (float[]) r[0];
      beta = (float[]) r[1];
      amp = (float[]) r[2];
      status = (float[]) r[3];
      double[] flat = (double[]) r[4];
      double[] info = (double[]) r[5];
      nWindows = (int) info[0];
      length = (int) info[1];
      step = (int) info[2];
      dt = info[3];
      seconds = info[4] != 0;
      rows = new double[nWindows][W_LEN];
      for (int k = 0; k < nWindows; k++) System.arraycopy(flat, k * W_LEN, rows[k], 0, W_LEN);
    }
  }

  /**
   * Sliding-window maps (ecm_relax_windows): window k covers frames [k*step, k*step+length),
   * k = 0 .. floor((N - length) / step); each exactly ecm_relax_map of its frames.
   */
  public static Windows windows(Object[] slices, int width, int height, double frameInterval,
      String timeUnit, double pointsPerDecade, int maxLag, boolean biasCorrection,
      double noDecayDchi2, double unresolvedFrac, int threads, Progress progress, byte[] mask,
      int length, int step) {
    checkMapArgs(slices, width, height, frameInterval, pointsPerDecade, maxLag, noDecayDchi2,
        unresolvedFrac, threads, mask, "sliding-window maps");
    if (length < 3)
      throw new EcmException(EcmException.EINVAL, "the window must hold at least 3 frames (got "
          + length + ")");
    if (step < 1)
      throw new EcmException(EcmException.EINVAL, "the step must be >= 1 frame (got " + step
          + ")");
    if (length > slices.length)
      throw new EcmException(EcmException.EINVAL, "a window of " + length + " frames is longer"
          + " than the series (" + slices.length + " frames)");
    long nw = (slices.length - length) / step + 1;
    if (nw * width * height > Integer.MAX_VALUE - 8)
      throw new EcmException(3, nw + " windows of " + width + " x " + height
          + " pixels do not fit a Java array: use a larger step");
    EcmNative.load();
    return new Windows(nativeWindows(slices, width, height, frameInterval,
        timeUnit == null ? "" : timeUnit, pointsPerDecade, maxLag, biasCorrection, noDecayDchi2,
        unresolvedFrac, threads, progress, mask, length, step));
  }

  // ---- Spearman of two maps ----

  /** Indices into the result of {@link #spearman} (mirrors jni/ecm_jni_stats.c). */
  public static final int SR_N = 0, SR_RHO = 1, SR_P_NAIVE = 2, SR_N_EFF = 3, SR_P_EFF = 4,
      SR_N_PERM_PIXELS = 5, SR_RHO_BLOCKS = 6, SR_BLOCKS = 7, SR_PERMUTATIONS = 8,
      SR_P_PERM = 9, SR_MAX_LAG = 10;

  /**
   * Spearman rank correlation of two maps of width*height values with the naive,
   * effective-N and block-permutation p values (ecm_stats_spearman_maps). NaN pixels and
   * those outside mask (width*height flags, non-zero = inside; null = all) are left out.
   * maxLag 0 = twice the block.
   */
  public static double[] spearman(float[] a, float[] b, byte[] mask, int width, int height,
      int block, int permutations, long seed, int maxLag) {
    if (width < 1 || height < 1)
      throw new EcmException(EcmException.EINVAL, "width and height must be >= 1");
    int n = width * height;
    if (a == null || b == null || a.length != n || b.length != n)
      throw new EcmException(EcmException.EINVAL, "both maps must hold width*height values");
    if (mask != null && mask.length != n)
      throw new EcmException(EcmException.EINVAL, "the ROI mask must hold width*height values");
    if (block < 1) throw new EcmException(EcmException.EINVAL, "block must be >= 1 px");
    if (permutations < 0)
      throw new EcmException(EcmException.EINVAL, "permutations must be >= 0");
    if (seed < 0) throw new EcmException(EcmException.EINVAL, "seed must be >= 0");
    if (maxLag < 0) throw new EcmException(EcmException.EINVAL, "max_lag must be >= 0");
    EcmNative.load();
    return nativeSpearman(a, b, mask, width, height, block, permutations, seed, maxLag);
  }

  // ---- Arrhenius ----

  /** Indices into the result of {@link #arrhenius} (mirrors jni/ecm_jni_stats.c). */
  public static final int AR_N = 0, AR_DOF = 1, AR_E_EV = 2, AR_E_EV_ERR = 3,
      AR_E_EV_ERR_SCALED = 4, AR_E_KJ = 5, AR_E_KJ_ERR = 6, AR_E_KJ_ERR_SCALED = 7,
      AR_LN_TAU_INF = 8, AR_LN_TAU_INF_ERR = 9, AR_TAU_INF = 10, AR_TAU_INF_ERR = 11,
      AR_COV = 12, AR_CHI2 = 13, AR_CHI2_RED = 14, AR_WEIGHTED = 15;
  /** Boltzmann constant, eV/K (CODATA 2018; ECM_STATS_KB_EV_PER_K). */
  public static final double KB_EV_PER_K = 8.617333262e-5;

  /**
   * Arrhenius fit tau = tau_inf exp(E / (k_B T)) (ecm_stats_arrhenius_fit) of T in K, tau in
   * s and 1-sigma errors of tau in s (null: unweighted, errors from the scatter).
   */
  public static double[] arrhenius(double[] tempK, double[] tauS, double[] tauErrS) {
    if (tempK == null || tauS == null || tempK.length != tauS.length
        || (tauErrS != null && tauErrS.length != tauS.length))
      throw new EcmException(EcmException.EINVAL, "the columns must have the same length");
    EcmNative.load();
    return nativeArrhenius(tempK, tauS, tauErrS);
  }

  // ---- xi-tau ----

  /** Indices into the result of {@link #xiTau} (mirrors jni/ecm_jni_stats.c). */
  public static final int XT_MODEL = 0, XT_N = 1, XT_DOF = 2, XT_A = 3, XT_B = 4, XT_A_ERR = 5,
      XT_B_ERR = 6, XT_COV_AB = 7, XT_N_EXP = 8, XT_N_EXP_ERR = 9, XT_COV_B_N = 10,
      XT_A_ERR_SCALED = 11, XT_B_ERR_SCALED = 12, XT_N_EXP_ERR_SCALED = 13, XT_CHI2 = 14,
      XT_CHI2_RED = 15, XT_WEIGHTED = 16, XT_N_FITTED = 17, XT_ITERATIONS = 18,
      XT_N_AT_BOUND = 19;

  /** The core's xi-tau model names, index = model code ("adam-gibbs", "imct", "rfot"). */
  public static String[] xiTauModels() {
    EcmNative.load();
    java.util.List<String> names = new java.util.ArrayList<>();
    for (int k = 0;; k++) {
      String s = nativeXiTauModelName(k);
      if (s == null) break;
      names.add(s);
    }
    return names.toArray(new String[0]);
  }

  /**
   * One xi-tau model (ecm_stats_xitau_fit). model: index into {@link #xiTauModels}; nFixed
   * with nExp holds the RFOT exponent, else it is searched in [nMin, nMax]; tempK is needed
   * by RFOT only; either error column may be null.
   */
  public static double[] xiTau(int model, boolean nFixed, double nExp, double nMin, double nMax,
      boolean effectiveVariance, double[] tempK, double[] tauS, double[] tauErrS, double[] xiNm,
      double[] xiErrNm) {
    if (tauS == null || xiNm == null)
      throw new EcmException(EcmException.EINVAL, "tau and xi columns are required");
    int n = tauS.length;
    for (double[] c : new double[][] {tempK, tauErrS, xiNm, xiErrNm})
      if (c != null && c.length != n)
        throw new EcmException(EcmException.EINVAL, "the columns must have the same length");
    EcmNative.load();
    return nativeXiTau(model, nFixed, nExp, nMin, nMax, effectiveVariance, tempK, tauS, tauErrS,
        xiNm, xiErrNm);
  }

  // ---- native methods (jni/ecm_jni_split.c, jni/ecm_jni_stats.c) ----

  static native Object[] nativeSplit(Object[] slices, int width, int height, double interval,
      String timeUnit, double pointsPerDecade, int maxLag, boolean bias, double noDecayDchi2,
      double unresolvedFrac, int threads, Progress progress, byte[] mask);

  static native Object[] nativeWindows(Object[] slices, int width, int height, double interval,
      String timeUnit, double pointsPerDecade, int maxLag, boolean bias, double noDecayDchi2,
      double unresolvedFrac, int threads, Progress progress, byte[] mask, int length, int step);

  static native double[] nativeSpearman(float[] a, float[] b, byte[] mask, int width, int height,
      int block, int permutations, long seed, int maxLag);

  static native double[] nativeArrhenius(double[] tempK, double[] tauS, double[] tauErrS);

  static native double[] nativeXiTau(int model, boolean nFixed, double nExp, double nMin,
      double nMax, boolean effectiveVariance, double[] tempK, double[] tauS, double[] tauErrS,
      double[] xiNm, double[] xiErrNm);

  static native String nativeXiTauModelName(int k);
}
