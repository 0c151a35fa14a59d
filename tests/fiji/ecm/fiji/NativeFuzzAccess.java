package ecm.fiji;

/**
 * Test-only bridge to every package-private raw native entry point (EcmNative, NativeG2,
 * NativeG4, NativeStats) with no Java-side checks in between: tests/fiji/Mode_jnifuzz.java
 * calls them with hostile arguments. Each method loads the library first.
 */
public final class NativeFuzzAccess {
  private NativeFuzzAccess() {}

  // ---- EcmNative (jni/ecm_jni.c) ----

  public static String version() {
    EcmNative.load();
    return EcmNative.nativeVersion();
  }

  public static String buildInfo() {
    EcmNative.load();
    return EcmNative.nativeBuildInfo();
  }

  public static Object[] simulate(int nt, int ny, int nx, double dt, double px, double tau,
      double sigma, double betaMin, double betaMax, double contrast, double dose, double corr,
      long seed, int threads, Progress progress) {
    return simulate(nt, ny, nx, dt, px, tau, sigma, betaMin, betaMax, contrast, dose, corr, 0, 0,
        0, 0, 3, seed, threads, progress);
  }

  public static Object[] simulate(int nt, int ny, int nx, double dt, double px, double tau,
      double sigma, double betaMin, double betaMax, double contrast, double dose, double corr,
      double driftX, double driftY, double jitter, int crystals, double crystalRadius, long seed,
      int threads, Progress progress) {
    EcmNative.load();
    return EcmNative.nativeSimulate(nt, ny, nx, dt, px, tau, sigma, betaMin, betaMax, contrast,
        dose, corr, driftX, driftY, jitter, crystals, crystalRadius, seed, threads, progress);
  }

  /** nativeRelaxMap with no_decay_dchi2 and unresolved_frac at the core's defaults. */
  public static double[] relaxMap(Object[] slices, int width, int height, double interval,
      String timeUnit, double ppd, int maxLag, boolean bias, int threads, Progress progress,
      byte[] mask, float[] tau, float[] beta, float[] amp, float[] chi2, float[] status) {
    return relaxMap(slices, width, height, interval, timeUnit, ppd, maxLag, bias, 6, 0.1,
        threads, progress, mask, tau, beta, amp, chi2, status);
  }

  public static double[] relaxMap(Object[] slices, int width, int height, double interval,
      String timeUnit, double ppd, int maxLag, boolean bias, double noDecayDchi2,
      double unresolvedFrac, int threads, Progress progress, byte[] mask, float[] tau,
      float[] beta, float[] amp, float[] chi2, float[] status) {
    EcmNative.load();
    return EcmNative.nativeRelaxMap(slices, width, height, interval, timeUnit, ppd, maxLag, bias,
        noDecayDchi2, unresolvedFrac, threads, progress, mask, tau, beta, amp, chi2, status);
  }

  /** nativeAlign with the other parameters at the defaults of `ecm align`. */
  public static Object[] align(Object[] slices, int width, int height, String reference,
      int upsample, String apply, byte[] mask, int threads, Progress progress) {
    return align(slices, width, height, reference, 0, 10, 16, upsample, "tukey", 10, 0, 3.5,
        apply, mask, threads, progress);
  }

  public static Object[] align(Object[] slices, int width, int height, String reference,
      int refFrame, int refCount, int block, int upsample, String window, double regularization,
      double maxShift, double psrMargin, String apply, byte[] mask, int threads,
      Progress progress) {
    EcmNative.load();
    return EcmNative.nativeAlign(slices, width, height, reference, refFrame, refCount, block,
        upsample, window, regularization, maxShift, psrMargin, apply, mask, threads, progress);
  }

  /** nativeTtcf with the other parameters at the defaults of `ecm ttcf`. */
  public static Object[] ttcf(Object[] slices, int width, int height, double interval,
      String timeUnit, int binTime, boolean normalize, byte[] mask, int threads,
      Progress progress) {
    return ttcf(slices, width, height, interval, timeUnit, binTime, 0, normalize, false, 10, 0,
        1.25, mask, threads, progress);
  }

  public static Object[] ttcf(Object[] slices, int width, int height, double interval,
      String timeUnit, int binTime, int block, boolean normalize, boolean diagonal, double ppd,
      int bandWindow, double changeFactor, byte[] mask, int threads, Progress progress) {
    EcmNative.load();
    return EcmNative.nativeTtcf(slices, width, height, interval, timeUnit, binTime, block,
        normalize, diagonal, ppd, bandWindow, changeFactor, mask, threads, progress);
  }

  // ---- NativeG2 (jni/ecm_jni_g2.c) ----

  public static long g2Open(Object[] slices, int width, int height, double interval,
      String timeUnit) {
    EcmNative.load();
    return NativeG2.nativeOpen(slices, width, height, interval, timeUnit);
  }

  /** nativePixel with no_decay_dchi2 and unresolved_frac at the core's defaults. */
  public static Object[] g2Pixel(long handle, int x, int y, double ppd, int maxLag,
      boolean bias) {
    return g2Pixel(handle, x, y, ppd, maxLag, bias, 6, 0.1);
  }

  public static Object[] g2Pixel(long handle, int x, int y, double ppd, int maxLag,
      boolean bias, double noDecayDchi2, double unresolvedFrac) {
    EcmNative.load();
    return NativeG2.nativePixel(handle, x, y, ppd, maxLag, bias, noDecayDchi2, unresolvedFrac);
  }

  /** nativeRoi with no_decay_dchi2 and unresolved_frac at the core's defaults. */
  public static Object[] g2Roi(long handle, byte[] mask, double ppd, int maxLag, boolean bias,
      int threads, Progress progress) {
    return g2Roi(handle, mask, ppd, maxLag, bias, 6, 0.1, threads, progress);
  }

  public static Object[] g2Roi(long handle, byte[] mask, double ppd, int maxLag, boolean bias,
      double noDecayDchi2, double unresolvedFrac, int threads, Progress progress) {
    EcmNative.load();
    return NativeG2.nativeRoi(handle, mask, ppd, maxLag, bias, noDecayDchi2, unresolvedFrac,
        threads, progress);
  }

  public static void g2Close(long handle) {
    EcmNative.load();
    NativeG2.nativeClose(handle);
  }

  public static int g2OpenCount() {
    EcmNative.load();
    return NativeG2.nativeOpenCount();
  }

  public static double[] tauStats(float[] values, byte[] mask) {
    EcmNative.load();
    return NativeG2.nativeTauStats(values, mask);
  }

  public static Object[] histogram(float[] values, byte[] mask, double lo, double hi, int bins,
      boolean logBins) {
    EcmNative.load();
    return NativeG2.nativeHistogram(values, mask, lo, hi, bins, logBins);
  }

  public static double[] lognormalPdf(double[] tau, double tauMed, double sigma) {
    EcmNative.load();
    return NativeG2.nativeLognormalPdf(tau, tauMed, sigma);
  }

  // ---- NativeG4 (jni/ecm_jni_g4.c) ----

  public static double dtSeconds(double interval, String timeUnit) {
    EcmNative.load();
    return NativeG4.nativeDtSeconds(interval, timeUnit);
  }

  public static Object[] g4(Object[] slices, int width, int height, int[] lags, int variant,
      int maxR, byte[] mask, int xiLag, boolean wantExp, boolean wantSep, boolean wantContour,
      boolean sepFull, int contourR, int threads, Progress progress) {
    EcmNative.load();
    return NativeG4.nativeG4(slices, width, height, lags, variant, maxR, mask, xiLag, wantExp,
        wantSep, wantContour, sepFull, contourR, threads, progress);
  }

  public static double[] domain(float[] map, byte[] valid, int ny, int nx, int fitHalf,
      boolean excludeOrigin) {
    EcmNative.load();
    return NativeG4.nativeDomain(map, valid, ny, nx, fitHalf, excludeOrigin);
  }

  // ---- NativeStats (jni/ecm_jni_split.c, jni/ecm_jni_stats.c) ----

  /** nativeSplit with no_decay_dchi2 and unresolved_frac at the core's defaults. */
  public static Object[] split(Object[] slices, int width, int height, double interval,
      String timeUnit, double ppd, int maxLag, boolean bias, int threads, Progress progress,
      byte[] mask) {
    return split(slices, width, height, interval, timeUnit, ppd, maxLag, bias, 6, 0.1, threads,
        progress, mask);
  }

  public static Object[] split(Object[] slices, int width, int height, double interval,
      String timeUnit, double ppd, int maxLag, boolean bias, double noDecayDchi2,
      double unresolvedFrac, int threads, Progress progress, byte[] mask) {
    EcmNative.load();
    return NativeStats.nativeSplit(slices, width, height, interval, timeUnit, ppd, maxLag, bias,
        noDecayDchi2, unresolvedFrac, threads, progress, mask);
  }

  /** nativeWindows with no_decay_dchi2 and unresolved_frac at the core's defaults. */
  public static Object[] windows(Object[] slices, int width, int height, double interval,
      String timeUnit, double ppd, int maxLag, boolean bias, int threads, Progress progress,
      byte[] mask, int length, int step) {
    return windows(slices, width, height, interval, timeUnit, ppd, maxLag, bias, 6, 0.1, threads,
        progress, mask, length, step);
  }

  public static Object[] windows(Object[] slices, int width, int height, double interval,
      String timeUnit, double ppd, int maxLag, boolean bias, double noDecayDchi2,
      double unresolvedFrac, int threads, Progress progress, byte[] mask, int length,
      int step) {
    EcmNative.load();
    return NativeStats.nativeWindows(slices, width, height, interval, timeUnit, ppd, maxLag, bias,
        noDecayDchi2, unresolvedFrac, threads, progress, mask, length, step);
  }

  public static double[] spearman(float[] a, float[] b, byte[] mask, int width, int height,
      int block, int permutations, long seed, int maxLag) {
    EcmNative.load();
    return NativeStats.nativeSpearman(a, b, mask, width, height, block, permutations, seed,
        maxLag);
  }

  public static double[] arrhenius(double[] t, double[] tau, double[] err) {
    EcmNative.load();
    return NativeStats.nativeArrhenius(t, tau, err);
  }

  public static double[] xiTau(int model, boolean nFixed, double nExp, double nMin, double nMax,
      boolean effectiveVariance, double[] t, double[] tau, double[] tauErr, double[] xi,
      double[] xiErr) {
    EcmNative.load();
    return NativeStats.nativeXiTau(model, nFixed, nExp, nMin, nMax, effectiveVariance, t, tau,
        tauErr, xi, xiErr);
  }

  public static String xiTauModelName(int k) {
    EcmNative.load();
    return NativeStats.nativeXiTauModelName(k);
  }
}
