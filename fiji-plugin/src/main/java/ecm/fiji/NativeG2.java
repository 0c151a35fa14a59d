package ecm.fiji;

/**
 * Native entry points of the g2 Inspector (one native copy of the stack per session, the g2
 * and KWW fit of a pixel or a ROI ensemble) and of the Tau Histogram (log-normal fit and
 * histogram of a tau map). Implemented in jni/ecm_jni_g2.c; every failure is an
 * {@link EcmException}.
 */
public final class NativeG2 {
  private NativeG2() {}

  /** Indices into {@link Curve#params} (mirrors jni/ecm_jni_g2.c). */
  public static final int P_A = 0, P_TAU = 1, P_BETA = 2, P_B = 3, P_A_ERR = 4, P_TAU_ERR = 5,
      P_BETA_ERR = 6, P_B_ERR = 7, P_CHI2 = 8, P_STATE = 9, P_N_PIXELS = 10, P_N_VALID = 11,
      P_N_CONVERGED = 12, P_SECONDS = 13, P_NBINS = 14, P_FRAMES = 15, P_DT = 16;

  /**
   * The g2 of one pixel or of a ROI ensemble: per bin the delay t (s, or frames when
   * uncalibrated), g2, its standard error, the fitted model and the residual g2 - model;
   * a smooth model curve (curveT, curveFit) for plotting; the fit numbers (P_*).
   */
  public static final class Curve {
    public final double[] t, g2, sem, fit, residual, curveT, curveFit, params;

    Curve(Object[] r) {
      t = (double[]) r[0];
      g2 = (double[]) r[1];
      sem = (double[]) r[2];
      fit = (double[]) r[3];
      residual = (double[]) r[4];
      curveT = (double[]) r[5];
      curveFit = (double[]) r[6];
      params = (double[]) r[7];
    }

    public boolean seconds() {
      return params[P_SECONDS] != 0;
    }

    public int state() {
      return (int) params[P_STATE];
    }

    /** Status name (Relaxation Maps' status codes; a ROI fit uses codes 0..5). */
    public String stateName() {
      int s = state();
      return s >= 0 && s < EcmNative.STATUS_NAMES.length ? EcmNative.STATUS_NAMES[s] : "?";
    }
  }

  private static void checkFit(double pointsPerDecade, int maxLag, double noDecayDchi2,
      double unresolvedFrac) {
    if (!(pointsPerDecade > 0) || pointsPerDecade > 1000)
      throw new EcmException(EcmException.EINVAL, "points per decade must be in (0, 1000]");
    if (maxLag < 0) throw new EcmException(EcmException.EINVAL, "maximum lag must be >= 0");
    EcmNative.checkRelaxThresholds(noDecayDchi2, unresolvedFrac);
  }

  private static void checkHandle(long handle) {
    if (handle <= 0)
      throw new EcmException(EcmException.EINVAL,
          "g2 inspector: this session is closed (or the handle is not valid)");
  }

  /**
   * Copy a stack (ImageJ slices: float[], short[] and byte[] read as unsigned, each
   * width*height long, at least 3) into one native float buffer and return its handle. The
   * copy (4 bytes per pixel and frame) lives until {@link #close}.
   */
  public static long open(Object[] slices, int width, int height, double frameInterval,
      String timeUnit) {
    if (slices == null || slices.length < 3)
      throw new EcmException(EcmException.ENODATA, "the g2 inspector needs at least 3 frames"
          + (slices == null ? "" : " (this stack has " + slices.length + ")"));
    if (width < 1 || height < 1)
      throw new EcmException(EcmException.EINVAL, "width and height must be >= 1");
    for (Object s : slices) {
      if (!(s instanceof float[] || s instanceof short[] || s instanceof byte[]))
        throw new EcmException(EcmException.EUNSUPPORTED,
            "the g2 inspector needs an 8-, 16- or 32-bit stack (RGB is not supported)");
    }
    if (!(frameInterval >= 0) || Double.isInfinite(frameInterval))
      throw new EcmException(EcmException.EINVAL, "frame interval must be >= 0");
    EcmNative.load();
    return nativeOpen(slices, width, height, frameInterval, timeUnit == null ? "" : timeUnit);
  }

  /**
   * g2 and fit of pixel (x, y), 0-based: exactly the Relaxation Maps pixel with the same
   * parameters (noDecayDchi2, unresolvedFrac: as {@link EcmNative#relaxMap}).
   */
  public static Curve pixel(long handle, int x, int y, double pointsPerDecade, int maxLag,
      boolean biasCorrection, double noDecayDchi2, double unresolvedFrac) {
    checkHandle(handle);
    checkFit(pointsPerDecade, maxLag, noDecayDchi2, unresolvedFrac);
    EcmNative.load();
    return new Curve(nativePixel(handle, x, y, pointsPerDecade, maxLag, biasCorrection,
        noDecayDchi2, unresolvedFrac));
  }

  /**
   * Ensemble g2 of the pixels inside mask (width*height flags, non-zero = inside): mean of
   * the pixels' g2, sem across pixels, and its KWW fit (Relaxation Maps' ensemble).
   */
  public static Curve roi(long handle, byte[] mask, double pointsPerDecade, int maxLag,
      boolean biasCorrection, double noDecayDchi2, double unresolvedFrac, int threads,
      Progress progress) {
    checkHandle(handle);
    checkFit(pointsPerDecade, maxLag, noDecayDchi2, unresolvedFrac);
    if (mask == null) throw new EcmException(EcmException.EINVAL, "no ROI mask");
    if (threads < 0) throw new EcmException(EcmException.EINVAL, "threads must be >= 0");
    EcmNative.load();
    return new Curve(nativeRoi(handle, mask, pointsPerDecade, maxLag, biasCorrection,
        noDecayDchi2, unresolvedFrac, threads, progress));
  }

  /** Free a session's stack copy; closing a closed (or never valid) handle does nothing. */
  public static void close(long handle) {
    if (handle <= 0) return;
    EcmNative.load();
    nativeClose(handle);
  }

  /** Number of sessions open in this JVM. */
  public static int openCount() {
    EcmNative.load();
    return nativeOpenCount();
  }

  // ---- tau histogram ----

  /** Indices into {@link #tauStats}'s result (mirrors jni/ecm_jni_g2.c). */
  public static final int H_N_REGION = 0, H_N_USED = 1, H_N_NAN = 2, H_N_NONPOS = 3,
      H_N_INF = 4, H_TAU_MED = 5, H_TAU_MED_ERR = 6, H_SIGMA = 7, H_SIGMA_ERR = 8, H_MODE = 9,
      H_FWHM = 10, H_MEDIAN = 11, H_Q25 = 12, H_Q75 = 13, H_MIN = 14, H_MAX = 15, H_MEAN = 16;

  /**
   * Counts (inside mask, or everywhere when null) of the values used (finite, > 0), NaN,
   * non-positive and infinite; the log-normal fit (ecm_stats_lognormal_fit) and the summary
   * (ecm_stats_summary) of the values used.
   */
  public static double[] tauStats(float[] values, byte[] mask) {
    if (values == null) throw new EcmException(EcmException.EINVAL, "no values");
    if (mask != null && mask.length != values.length)
      throw new EcmException(EcmException.EINVAL, "the ROI mask must hold one value per pixel");
    EcmNative.load();
    return nativeTauStats(values, mask);
  }

  /** Histogram (ecm_stats_histogram) of the finite positive values: {edges, counts, {outside}}. */
  public static double[][] histogram(float[] values, byte[] mask, double lo, double hi, int bins,
      boolean logBins) {
    if (values == null) throw new EcmException(EcmException.EINVAL, "no values");
    if (mask != null && mask.length != values.length)
      throw new EcmException(EcmException.EINVAL, "the ROI mask must hold one value per pixel");
    if (bins < 1 || bins > 100000)
      throw new EcmException(EcmException.EINVAL, "bins must be in [1, 100000]");
    EcmNative.load();
    Object[] r = nativeHistogram(values, mask, lo, hi, bins, logBins);
    return new double[][] {(double[]) r[0], (double[]) r[1], (double[]) r[2]};
  }

  /** Log-normal density P(tau) (ecm_stats_lognormal_pdf) at each tau. */
  public static double[] lognormalPdf(double[] tau, double tauMed, double sigma) {
    if (tau == null) throw new EcmException(EcmException.EINVAL, "no tau values");
    EcmNative.load();
    return nativeLognormalPdf(tau, tauMed, sigma);
  }

  // ---- native methods (jni/ecm_jni_g2.c); package-private so tests reach the raw checks ----

  static native long nativeOpen(Object[] slices, int width, int height, double interval,
      String timeUnit);

  static native Object[] nativePixel(long handle, int x, int y, double pointsPerDecade,
      int maxLag, boolean bias, double noDecayDchi2, double unresolvedFrac);

  static native Object[] nativeRoi(long handle, byte[] mask, double pointsPerDecade, int maxLag,
      boolean bias, double noDecayDchi2, double unresolvedFrac, int threads, Progress progress);

  static native void nativeClose(long handle);

  static native int nativeOpenCount();

  static native double[] nativeTauStats(float[] values, byte[] mask);

  static native Object[] nativeHistogram(float[] values, byte[] mask, double lo, double hi,
      int bins, boolean logBins);

  static native double[] nativeLognormalPdf(double[] tau, double tauMed, double sigma);
}
