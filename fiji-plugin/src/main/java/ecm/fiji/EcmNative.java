package ecm.fiji;

import java.io.File;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.Locale;

/**
 * The one class that owns the native library (libecm_jni): loading it once, and the typed,
 * argument-checked entry points into it. Every failure becomes an {@link EcmException}.
 */
public final class EcmNative {
  private EcmNative() {}

  private static boolean loaded;
  private static String loadedFrom;
  private static EcmException loadError;

  /** Fiji's platform folder name for this JVM: linux64, win64, macos-arm64, macosx. */
  public static String platform() {
    String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
    String arch = System.getProperty("os.arch", "").toLowerCase(Locale.ROOT);
    boolean x64 = arch.equals("amd64") || arch.equals("x86_64");
    boolean arm64 = arch.equals("aarch64") || arch.equals("arm64");
    if (os.startsWith("linux") && x64) return "linux64";
    if (os.startsWith("windows") && x64) return "win64";
    if (os.startsWith("mac") && arm64) return "macos-arm64";
    if (os.startsWith("mac") && x64) return "macosx";
    return os + "-" + arch;
  }

  /** Load libecm_jni once: java.library.path first, else the copy inside the jar. */
  public static synchronized void load() {
    if (loaded) return;
    if (loadError != null) throw loadError;
    try {
      System.loadLibrary("ecm_jni");
      loaded = true;
      loadedFrom = "java.library.path";
      return;
    } catch (UnsatisfiedLinkError e) {
      // not installed next to Fiji: fall back to the jar
    }
    String lib = System.mapLibraryName("ecm_jni");
    String res = "/natives/" + platform() + "/" + lib;
    File dir = null;
    try {
      InputStream in = EcmNative.class.getResourceAsStream(res);
      if (in == null) {
        throw new IOException("this ECM_Analysis.jar has no native library for platform '"
            + platform() + "' (looked for " + res + " inside the jar)");
      }
      File file;
      try {
        dir = createPrivateDir();
        file = new File(dir, lib);
        OutputStream out = new FileOutputStream(file);
        try {
          byte[] buf = new byte[1 << 16];
          for (int n; (n = in.read(buf)) > 0;) out.write(buf, 0, n);
        } finally {
          out.close();
        }
      } finally {
        in.close();
      }
      file.deleteOnExit();
      dir.deleteOnExit();
      loadWithRuntime(dir, file);
      loaded = true;
      loadedFrom = file.getAbsolutePath();
    } catch (IOException | UnsatisfiedLinkError | SecurityException e) {
      loadError = new EcmException(EcmException.ENOLIB,
          "The ECM native library could not be loaded on " + platform() + " ("
              + System.getProperty("os.name") + ", " + System.getProperty("os.arch") + "): "
              + e.getMessage()
              + (dir != null ? "\nExtracted to " + dir
                      + " - if that folder is on a noexec file system, start Fiji with"
                      + " -Djava.io.tmpdir=<another folder>"
                               : ""));
      throw loadError;
    }
  }

  /**
   * Load the extracted library. It needs glibc and GCC's OpenMP runtime (libgomp.so.1); the
   * system's libgomp is used when there is one, else the copy inside the jar is loaded first
   * (property ecm.jni.bundledGomp=true forces the copy, for tests).
   */
  private static void loadWithRuntime(File dir, File lib) throws IOException {
    String gompRes = "/natives/" + platform() + "/libgomp.so.1";
    boolean force = Boolean.getBoolean("ecm.jni.bundledGomp");
    if (!force) {
      try {
        System.load(lib.getAbsolutePath());
        return;
      } catch (UnsatisfiedLinkError e) {
        String m = String.valueOf(e.getMessage());
        if (!m.contains("libgomp") || EcmNative.class.getResource(gompRes) == null) throw e;
      }
    }
    InputStream in = EcmNative.class.getResourceAsStream(gompRes);
    if (in != null) {
      File gomp = new File(dir, "libgomp.so.1");
      try {
        copy(in, gomp);
      } finally {
        in.close();
      }
      gomp.deleteOnExit();
      System.load(gomp.getAbsolutePath());
      bundledRuntime = gomp.getAbsolutePath();
    }
    System.load(lib.getAbsolutePath());
  }

  private static String bundledRuntime;

  /** The jar's copy of libgomp when it had to be loaded, else null (the system's is used). */
  public static synchronized String bundledRuntime() {
    return bundledRuntime;
  }

  private static void copy(InputStream in, File to) throws IOException {
    OutputStream out = new FileOutputStream(to);
    try {
      byte[] buf = new byte[1 << 16];
      for (int n; (n = in.read(buf)) > 0;) out.write(buf, 0, n);
    } finally {
      out.close();
    }
  }

  private static File createPrivateDir() throws IOException {
    File f = File.createTempFile("ecm-jni-", "");
    if (!f.delete() || !f.mkdir()) throw new IOException("cannot create a folder at " + f);
    f.setReadable(false, false);
    f.setReadable(true, true);
    f.setWritable(false, false);
    f.setWritable(true, true);
    f.setExecutable(false, false);
    f.setExecutable(true, true);
    return f;
  }

  /** Where the library came from ("java.library.path" or the extracted file), or null. */
  public static synchronized String loadedFrom() {
    return loadedFrom;
  }

  // ---- typed entry points ----

  /** Version of libecm, "MAJOR.MINOR.PATCH". */
  public static String version() {
    load();
    return nativeVersion();
  }

  /** The numerical libraries inside the native library (GSL, FFTW, OpenBLAS, OpenMP). */
  public static String buildInfo() {
    load();
    return nativeBuildInfo();
  }

  /** A small simulate + map run inside the native library; returns a one-line report. */
  public static String selfTest() {
    load();
    return nativeSelfTest();
  }

  /**
   * Result of {@link #simulate}: frames[t] holds ny*nx intensities; the truth maps: tau (s),
   * beta and the speckle contrast A (NaN where undefined: vacuum; crystals have tau = +inf).
   */
  public static final class SimStack {
    public final float[][] frames;
    public final float[] truthTau, truthBeta, truthA;

    SimStack(Object[] r) {
      this.frames = (float[][]) r[0];
      this.truthTau = (float[]) r[1];
      this.truthBeta = (float[]) r[2];
      this.truthA = (float[]) r[3];
    }
  }


  /** Dark-field simulator (ecm_sim_darkfield) without drift or crystals; arguments are those
   * of ecm_sim_params. */
  public static SimStack simulate(int nt, int ny, int nx, double dtSeconds, double pixelNm,
      double tauMedianSeconds, double tauSigma, double betaMin, double betaMax, double contrast,
      double dose, double mapCorrPx, long seed, int threads, Progress progress) {
    return simulate(nt, ny, nx, dtSeconds, pixelNm, tauMedianSeconds, tauSigma, betaMin,
        betaMax, contrast, dose, mapCorrPx, 0, 0, 0, 0, 3, seed, threads, progress);
  }

  /**
   * Dark-field simulator (ecm_sim_darkfield) with drift and static crystals: driftX, driftY
   * linear drift over the series (px; the content of frame t moves by drift * t / (nt - 1)),
   * jitter the rms random-walk step per frame (px), crystals the number of static inclusions
   * of radius crystalRadius px (0.5-1000). Other arguments as ecm_sim_params.
   */
  public static SimStack simulate(int nt, int ny, int nx, double dtSeconds, double pixelNm,
      double tauMedianSeconds, double tauSigma, double betaMin, double betaMax, double contrast,
      double dose, double mapCorrPx, double driftX, double driftY, double jitter, int crystals,
      double crystalRadius, long seed, int threads, Progress progress) {
    if (crystals < 0 || crystals > 1000)
      throw new EcmException(EcmException.EINVAL, "crystals must be in [0, 1000]");
    if (!(Math.abs(driftX) <= 1e4) || !(Math.abs(driftY) <= 1e4))
      throw new EcmException(EcmException.EINVAL, "drift_x and drift_y must be in [-1e4, 1e4] px");
    if (!(jitter >= 0 && jitter <= 100))
      throw new EcmException(EcmException.EINVAL, "jitter must be in [0, 100] px per frame");
    if (!(crystalRadius >= 0.5 && crystalRadius <= 1e3))
      throw new EcmException(EcmException.EINVAL, "crystal_radius must be in [0.5, 1000] px");
    if (nt < 1 || ny < 1 || nx < 1)
      throw new EcmException(EcmException.EINVAL, "frames, width and height must be >= 1");
    if ((long) ny * nx > Integer.MAX_VALUE - 8)
      throw new EcmException(3, "a frame of " + nx + " x " + ny + " pixels is too large");
    if (threads < 0) throw new EcmException(EcmException.EINVAL, "threads must be >= 0");
    load();
    Object[] r = nativeSimulate(nt, ny, nx, dtSeconds, pixelNm, tauMedianSeconds,
        tauSigma, betaMin, betaMax, contrast, dose, mapCorrPx, driftX, driftY, jitter, crystals,
        crystalRadius, seed, threads, progress);
    return new SimStack(r);
  }

  /** Indices into the summary returned by {@link #relaxMap} (mirrors jni/ecm_jni.c). */
  public static final int S_N_PIXELS = 0, S_N_CONVERGED = 1, S_CONV_FRACTION = 2, S_TAU_MED = 3,
      S_SIGMA = 4, S_TAU_MEDIAN = 5, S_BETA_MEAN = 6, S_A_MEAN = 7, S_ENS_TAU = 8,
      S_ENS_BETA = 9, S_ENS_A = 10, S_ENS_CHI2 = 11, S_SERIES_OVER_TAU = 12,
      S_DT_OVER_TAU = 13, S_SECONDS = 14, S_NBINS = 15, S_COUNT0 = 16;
  /** Pixel status names, codes 0..9 (ecm_relax_status). */
  public static final String[] STATUS_NAMES = {"converged", "max-iter", "singular",
      "bad-input", "masked", "no-decay", "dark", "constant", "non-finite", "unresolved"};

  /**
   * Relaxation maps (ecm_relax_map + ecm_relax_summarize) of a stack given as ImageJ slices
   * (float[], short[] read as unsigned, byte[] read as unsigned), each width*height long.
   * The five output arrays must hold width*height values; they receive tau, beta, A,
   * reduced chi2 and the status code of each pixel. mask: width*height flags (non-zero =
   * inside the ROI; pixels outside get status "masked") or null. noDecayDchi2 and
   * unresolvedFrac are ecm_relax_params.no_decay_dchi2 and .unresolved_frac (ecm map
   * --no-decay-dchi2, --unresolved; defaults 6 and 0.1, 0 = off, at most 1e9). Returns the
   * summary numbers (S_*) over the pixels inside.
   */
  public static double[] relaxMap(Object[] slices, int width, int height, double frameInterval,
      String timeUnit, double pointsPerDecade, int maxLag, boolean biasCorrection,
      double noDecayDchi2, double unresolvedFrac, int threads, Progress progress, byte[] mask,
      float[] tau, float[] beta, float[] amp, float[] chi2, float[] status) {
    if (slices == null || slices.length < 3)
      throw new EcmException(EcmException.ENODATA, "relaxation maps need at least 3 frames"
          + (slices == null ? "" : " (this stack has " + slices.length + ")"));
    if (width < 1 || height < 1)
      throw new EcmException(EcmException.EINVAL, "width and height must be >= 1");
    int n = width * height;
    for (Object s : slices) {
      if (!(s instanceof float[] || s instanceof short[] || s instanceof byte[]))
        throw new EcmException(EcmException.EUNSUPPORTED,
            "relaxation maps need an 8-, 16- or 32-bit stack (RGB is not supported)");
    }
    if (!(pointsPerDecade > 0) || pointsPerDecade > 1000)
      throw new EcmException(EcmException.EINVAL, "points per decade must be in (0, 1000]");
    if (maxLag < 0) throw new EcmException(EcmException.EINVAL, "maximum lag must be >= 0");
    checkRelaxThresholds(noDecayDchi2, unresolvedFrac);
    if (threads < 0) throw new EcmException(EcmException.EINVAL, "threads must be >= 0");
    if (!(frameInterval >= 0) || Double.isInfinite(frameInterval))
      throw new EcmException(EcmException.EINVAL, "frame interval must be >= 0");
    if (mask != null && mask.length != width * height)
      throw new EcmException(EcmException.EINVAL, "the ROI mask must hold width*height values");
    float[][] outs = {tau, beta, amp, chi2, status};
    for (float[] o : outs) {
      if (o == null || o.length != n)
        throw new EcmException(EcmException.EINVAL, "output arrays must hold width*height values");
    }
    load();
    return nativeRelaxMap(slices, width, height, frameInterval, timeUnit == null ? "" : timeUnit,
        pointsPerDecade, maxLag, biasCorrection, noDecayDchi2, unresolvedFrac, threads, progress,
        mask, tau, beta, amp, chi2, status);
  }

  /** Largest no_decay_dchi2 and unresolved fraction accepted (as ecm map). */
  static final double MAX_THRESHOLD = 1e9;

  /**
   * Refuses a no-decay threshold (chi2) or an unresolved fraction that is not a finite
   * number in [0, 1e9] (the range of ecm map --no-decay-dchi2 and --unresolved; 0 = off).
   */
  static void checkRelaxThresholds(double noDecayDchi2, double unresolvedFrac) {
    if (!(noDecayDchi2 >= 0 && noDecayDchi2 <= MAX_THRESHOLD))
      throw new EcmException(EcmException.EINVAL, "no_decay_dchi2 must be a number in [0, 1e9]"
          + " (0 = no flatness test; got " + noDecayDchi2 + ")");
    if (!(unresolvedFrac >= 0 && unresolvedFrac <= MAX_THRESHOLD))
      throw new EcmException(EcmException.EINVAL, "unresolved must be a number in [0, 1e9]"
          + " (a fraction of the first delay; 0 = off; got " + unresolvedFrac + ")");
  }

  /** Result of {@link #align}: per-frame shifts (px, applied to align the frame), peaks and
   * states (ecm_align_state), the crop box {x0, y0, nx, ny} and the aligned, cropped frames. */
  public static final class AlignResult {
    public final double[] shiftX, shiftY, peak;
    public final byte[] state;
    public final int[] crop;
    public final float[][] frames;

    AlignResult(Object[] r) {
      shiftX = (double[]) r[0];
      shiftY = (double[]) r[1];
      peak = (double[]) r[2];
      state = (byte[]) r[3];
      crop = (int[]) r[4];
      frames = (float[][]) r[5];
    }
  }

  /** Alignment state names, codes 0..3 (ecm_align_state). */
  public static final String[] ALIGN_STATE_NAMES = {"ok", "bad_frame", "at_limit", "weak_peak"};
  /** Alignment state code of a frame without a distinct correlation peak (ECM_ALIGN_WEAK_PEAK). */
  public static final int ALIGN_WEAK_PEAK = 3;

  private static void checkSlices(Object[] slices, int width, int height, String what) {
    if (width < 1 || height < 1)
      throw new EcmException(EcmException.EINVAL, "width and height must be >= 1");
    for (Object s : slices) {
      if (!(s instanceof float[] || s instanceof short[] || s instanceof byte[]))
        throw new EcmException(EcmException.EUNSUPPORTED,
            what + " needs an 8-, 16- or 32-bit stack (RGB is not supported)");
    }
  }

  /**
   * Drift correction (ecm_align_estimate + ecm_align_apply) of ImageJ slices with the other
   * parameters at the defaults of `ecm align`. reference: "frame", "mean" or "running";
   * apply: "whole", "bilinear" or "fourier"; mask: width*height flags (non-zero = inside the
   * ROI) or null.
   */
  public static AlignResult align(Object[] slices, int width, int height, String reference,
      int upsample, String apply, byte[] mask, int threads, Progress progress) {
    return align(slices, width, height, reference, 0, 10, 16, upsample, "tukey", 10, 0, 3.5,
        apply, mask, threads, progress);
  }

  /**
   * Drift correction with every parameter of `ecm align` (ecm_align_params): refFrame the
   * 0-based reference frame (reference "frame"), refCount the frames averaged (reference
   * "mean", >= 1), block the frames registered together against the running mean (1-4096),
   * window "none", "hann" or "tukey", regularization eps in [0, 1e6], maxShift the largest
   * shift searched in px (0 = unlimited, <= 1e6), psrMargin the weak-peak margin in
   * [-100, 100] (<= -10 = off). Defaults: 0, 10, 16, "tukey", 10, 0, 3.5.
   */
  public static AlignResult align(Object[] slices, int width, int height, String reference,
      int refFrame, int refCount, int block, int upsample, String window, double regularization,
      double maxShift, double psrMargin, String apply, byte[] mask, int threads,
      Progress progress) {
    if (slices == null || slices.length < 1)
      throw new EcmException(EcmException.ENODATA, "align needs at least 1 frame");
    checkSlices(slices, width, height, "align");
    if (upsample < 1 || upsample > 1000)
      throw new EcmException(EcmException.EINVAL, "upsample must be in [1, 1000]");
    if (reference == null || apply == null || window == null)
      throw new EcmException(EcmException.EINVAL,
          "align: reference, window and apply are required");
    if (refFrame < 0 || refFrame >= 1000000000)
      throw new EcmException(EcmException.EINVAL, "ref_frame must be in [1, 1e9] (1-based)");
    if ("frame".equalsIgnoreCase(reference) && refFrame >= slices.length)
      throw new EcmException(EcmException.EINVAL, "ref_frame " + (refFrame + 1)
          + ": the stack has " + slices.length + " frames");
    if (refCount < 1 || refCount > 1000000000)
      throw new EcmException(EcmException.EINVAL, "ref_count must be in [1, 1e9] frames");
    if (block < 1 || block > 4096)
      throw new EcmException(EcmException.EINVAL, "block must be in [1, 4096] frames");
    if (!(regularization >= 0 && regularization <= 1e6))
      throw new EcmException(EcmException.EINVAL, "regularization must be in [0, 1e6]");
    if (!(maxShift >= 0 && maxShift <= 1e6))
      throw new EcmException(EcmException.EINVAL,
          "max_shift must be in [0, 1e6] px (0 = unlimited)");
    if (!(psrMargin >= -100 && psrMargin <= 100))
      throw new EcmException(EcmException.EINVAL,
          "psr_margin must be in [-100, 100] (<= -10 = no peak test)");
    if (mask != null && mask.length != width * height)
      throw new EcmException(EcmException.EINVAL, "the ROI mask must hold width*height values");
    if (threads < 0) throw new EcmException(EcmException.EINVAL, "threads must be >= 0");
    load();
    return new AlignResult(nativeAlign(slices, width, height, reference, refFrame, refCount,
        block, upsample, window, regularization, maxShift, psrMargin, apply, mask, threads,
        progress));
  }

  /** Indices into the summary returned by {@link #ttcf} (mirrors jni/ecm_jni.c). */
  public static final int T_N = 0, T_PIXELS = 1, T_PIXELS_DROPPED = 2, T_SETS = 3,
      T_EMPTY_CELLS = 4, T_DT_S = 5, T_FIT_CONVERGED = 6, T_TAU = 7, T_BETA = 8, T_A = 9,
      T_TAU_ERR = 10, T_CHI2 = 11, T_SLOPE = 12, T_SLOPE_ERR = 13, T_CHANGE = 14,
      T_VERDICT = 15, T_N_BAND = 16, T_REF_USED = 17, T_BAND_WINDOW = 18, T_BAND_LEVEL = 19,
      T_INTERCEPT = 20, T_N_G = 21;
  /** Band references, codes 0..2 (ecm_ttcf_band_ref), as `ecm ttcf` names them. */
  public static final String[] BAND_REF_NAMES = {"kww_A", "lag1", "diagonal"};
  /** Stationarity verdicts, codes 0..3 (ecm_ttcf_verdict). */
  public static final String[] VERDICT_NAMES = {"stationary", "aging", "accelerating",
      "undetermined"};

  /**
   * Result of {@link #ttcf}: G (n*n, row-major), the summary (T_*), the band width versus age
   * (bandAge: window centres from frame 0; bandTau: the lag where G - 1 along the
   * anti-diagonals falls to T_BAND_LEVEL x bandRef, NaN where it never does; bandErr: its
   * standard error; all in s, or frames when uncalibrated) and the one-time g(t) (gLag, gOne,
   * gSem). The fitted line is ln bandTau = T_INTERCEPT + T_SLOPE x age.
   */
  public static final class TtcfResult {
    public final float[] g;
    public final double[] summary;
    public final int n;
    public final double[] bandAge, bandTau, bandErr, bandRef, gLag, gOne, gSem;

    TtcfResult(Object[] r) {
      g = (float[]) r[0];
      summary = (double[]) r[1];
      n = (int) summary[T_N];
      bandAge = (double[]) r[2];
      bandTau = (double[]) r[3];
      bandErr = (double[]) r[4];
      bandRef = (double[]) r[5];
      gLag = (double[]) r[6];
      gOne = (double[]) r[7];
      gSem = (double[]) r[8];
    }
  }

  /**
   * Two-time correlation (ecm_ttcf_compute + ecm_ttcf_analysis_create) of ImageJ slices over
   * the pixels inside mask (width*height flags, or null for all), the other parameters at the
   * defaults of `ecm ttcf`.
   */
  public static TtcfResult ttcf(Object[] slices, int width, int height, double frameInterval,
      String timeUnit, int binTime, boolean normalizePixels, byte[] mask, int threads,
      Progress progress) {
    return ttcf(slices, width, height, frameInterval, timeUnit, binTime, 0, normalizePixels,
        false, 10, 0, 1.25, mask, threads, progress);
  }

  /**
   * Two-time correlation with every parameter of `ecm ttcf` (ecm_ttcf_params): blockPx 0 (one
   * set) or the side of the blocks whose G is averaged (2 to 1e6 px); includeDiagonal puts
   * G(t,t) into g(t) and makes it the band reference; pointsPerDecade the log lag bins of g(t)
   * (1-1000); bandWindow the (binned) frames per age window (0 = max(8, N/16), <= 1e9);
   * changeFactor the verdict threshold (1.000001-1e6). Defaults: 0, false, 10, 0, 1.25.
   */
  public static TtcfResult ttcf(Object[] slices, int width, int height, double frameInterval,
      String timeUnit, int binTime, int blockPx, boolean normalizePixels,
      boolean includeDiagonal, double pointsPerDecade, int bandWindow, double changeFactor,
      byte[] mask, int threads, Progress progress) {
    if (slices == null || slices.length < 3)
      throw new EcmException(EcmException.ENODATA, "two-time correlation needs at least 3 frames"
          + (slices == null ? "" : " (this stack has " + slices.length + ")"));
    checkSlices(slices, width, height, "two-time correlation");
    if (binTime < 1) throw new EcmException(EcmException.EINVAL, "bin_time must be >= 1");
    if (blockPx < 0 || blockPx == 1 || blockPx > 1000000)
      throw new EcmException(EcmException.EINVAL, "block must be 0 (one set of all pixels) or"
          + " in [2, 1e6] px (a single pixel's G is identically 1)");
    if (!(pointsPerDecade >= 1 && pointsPerDecade <= 1000))
      throw new EcmException(EcmException.EINVAL, "points_per_decade must be in [1, 1000]");
    if (bandWindow < 0 || bandWindow > 1000000000)
      throw new EcmException(EcmException.EINVAL,
          "band_window must be in [0, 1e9] frames (0 = max(8, N/16))");
    if (!(changeFactor >= 1.000001 && changeFactor <= 1e6))
      throw new EcmException(EcmException.EINVAL, "change_factor must be in [1.000001, 1e6]");
    if (mask != null && mask.length != width * height)
      throw new EcmException(EcmException.EINVAL, "the ROI mask must hold width*height values");
    if (threads < 0) throw new EcmException(EcmException.EINVAL, "threads must be >= 0");
    if (!(frameInterval >= 0) || Double.isInfinite(frameInterval))
      throw new EcmException(EcmException.EINVAL, "frame interval must be >= 0");
    load();
    return new TtcfResult(nativeTtcf(slices, width, height, frameInterval,
        timeUnit == null ? "" : timeUnit, binTime, blockPx, normalizePixels, includeDiagonal,
        pointsPerDecade, bandWindow, changeFactor, mask, threads, progress));
  }

  // ---- native methods (jni/ecm_jni.c); package-private so tests reach the raw checks ----

  static native String nativeVersion();

  static native String nativeBuildInfo();

  static native String nativeSelfTest();

  static native Object[] nativeSimulate(int nt, int ny, int nx, double dt, double px,
      double tau, double sigma, double betaMin, double betaMax, double contrast, double dose,
      double corr, double driftX, double driftY, double jitter, int crystals,
      double crystalRadius, long seed, int threads, Progress progress);

  static native double[] nativeRelaxMap(Object[] slices, int width, int height, double interval,
      String timeUnit, double pointsPerDecade, int maxLag, boolean bias, double noDecayDchi2,
      double unresolvedFrac, int threads, Progress progress, byte[] mask, float[] tau,
      float[] beta, float[] amp, float[] chi2, float[] status);

  static native Object[] nativeAlign(Object[] slices, int width, int height, String reference,
      int refFrame, int refCount, int block, int upsample, String window, double regularization,
      double maxShift, double psrMargin, String apply, byte[] mask, int threads,
      Progress progress);

  static native Object[] nativeTtcf(Object[] slices, int width, int height, double interval,
      String timeUnit, int binTime, int block, boolean normalize, boolean diagonal, double ppd,
      int bandWindow, double changeFactor, byte[] mask, int threads, Progress progress);
}
