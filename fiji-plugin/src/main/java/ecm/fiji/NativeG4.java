package ecm.fiji;

/**
 * Native entry points of the Four-Point Correlation command (jni/ecm_jni_g4.c): g4(dt, dr)
 * (ecm_g4_compute) with the lengths xi_exp, xi_sep and xi_contour, and xi_domain_fwhm of a
 * map (ecm_g4_domain_size). The typed wrappers check their arguments before the native call.
 */
public final class NativeG4 {
  private NativeG4() {}

  /** Variants (ecm_g4_variant). */
  public static final int LITERAL = 0, CONVENTIONAL = 1;
  /** Variant names, codes 0..1. */
  public static final String[] VARIANT_NAMES = {"literal", "conventional"};
  /** Largest ring radius accepted, px (ECM_G4_MAX_R). */
  public static final int MAX_R = 256;

  /** Indices into {@link G4Result#summary} (mirror the enum in jni/ecm_jni_g4.c). */
  public static final int G_N_DT = 0, G_N_R = 1, G_FRAMES = 2, G_ROI_PIXELS = 3, G_XI_HAVE = 4,
      G_XI_OK = 5, G_XI_ROW = 6, G_XI_LAG = 7, G_XI_RMIN = 8, G_XI_RMAX = 9, G_XI = 10,
      G_XI_ERR = 11, G_XI_RC = 12, G_XI_RC_ERR = 13, G_XI_A = 14, G_XI_A_ERR = 15, G_XI_B = 16,
      G_XI_B_ERR = 17, G_XI_CHI2 = 18, G_SEP_HAVE = 19, G_SEP_OK = 20, G_SEP_RMIN = 21,
      G_SEP_RMAX = 22, G_SEP_ROWS = 23, G_SEP_POINTS = 24, G_SEP_XI = 25, G_SEP_XI_ERR = 26,
      G_SEP_GAMMA_R = 27, G_SEP_GAMMA_R_ERR = 28, G_SEP_A = 29, G_SEP_A_ERR = 30,
      G_SEP_TAU = 31, G_SEP_TAU_ERR = 32, G_SEP_GAMMA_T = 33, G_SEP_GAMMA_T_ERR = 34,
      G_SEP_C = 35, G_SEP_C_ERR = 36, G_SEP_CHI2 = 37, G_CON_HAVE = 38, G_CON_OK = 39,
      G_CON_RNORM = 40, G_CON_POINTS = 41, G_CON_XI = 42, G_CON_XI_ERR = 43, G_CON_EPS = 44,
      G_CON_EPS_ERR = 45, G_CON_NU = 46, G_CON_NU_ERR = 47, G_CON_C0 = 48, G_CON_C0_ERR = 49,
      G_CON_C1 = 50, G_CON_C1_ERR = 51, G_CON_CHI2 = 52, G_LEN = 53;

  /** Indices into the array returned by {@link #domainSize} (jni/ecm_jni_g4.c). */
  public static final int D_OK = 0, D_N_VALID = 1, D_FIT_HALF = 2, D_N_USED = 3, D_A = 4,
      D_A_ERR = 5, D_B = 6, D_B_ERR = 7, D_SX = 8, D_SX_ERR = 9, D_SY = 10, D_SY_ERR = 11,
      D_FWHM_X = 12, D_FWHM_X_ERR = 13, D_FWHM_Y = 14, D_FWHM_Y_ERR = 15, D_FWHM = 16,
      D_FWHM_ERR = 17, D_CHI2 = 18, D_LEN = 19;

  /** Result of {@link #g4}: the table, its ring weights, the summary and the contour. */
  public static final class G4Result {
    /** g4[i * nR + k] = g4(lags[i], dr = k px); NaN where there was no data. */
    public final double[] g4;
    /** Pixels (literal) or pixel pairs (conventional) averaged per ring. */
    public final double[] weight;
    /** The numbers G_* (NaN where a length was not computed). */
    public final double[] summary;
    /** xi_contour's contour: the dr (px) where the normalised g4 falls to 0.5, per lag. */
    public final double[] drHalf;
    public final int nDt, nR;

    G4Result(Object[] r) {
      g4 = (double[]) r[0];
      weight = (double[]) r[1];
      summary = (double[]) r[2];
      drHalf = (double[]) r[3];
      nDt = (int) summary[G_N_DT];
      nR = (int) summary[G_N_R];
    }
  }

  /**
   * g4(dt, dr) of ImageJ slices (float[], short[] / byte[] read as unsigned) over the pixels
   * inside mask (width*height flags, or null = all), for the lags (frames, each in [0, frames -
   * 1]) and rings dr = 0..maxR px, and the lengths as `ecm g4` takes them: xi_exp at the listed
   * lag nearest xiLag (0 = the lag of largest g4(dt,1) - g4(dt,R)) over dr = 1..R (needs R >=
   * 4), xi_sep over every lag > 0 and dr = 1..R (sepFull: a baseline per row and a plateau;
   * else the model as printed by Nakazawa), xi_contour normalised at ring contourR.
   */
  public static G4Result g4(Object[] slices, int width, int height, int[] lags, int variant,
      int maxR, byte[] mask, int xiLag, boolean wantExp, boolean wantSep, boolean wantContour,
      boolean sepFull, int contourR, int threads, Progress progress) {
    if (slices == null || slices.length < 2)
      throw new EcmException(EcmException.ENODATA, "four-point correlation needs at least 2"
          + " frames" + (slices == null ? "" : " (this stack has " + slices.length + ")"));
    if (width < 1 || height < 1)
      throw new EcmException(EcmException.EINVAL, "width and height must be >= 1");
    for (Object s : slices) {
      if (!(s instanceof float[] || s instanceof short[] || s instanceof byte[]))
        throw new EcmException(EcmException.EUNSUPPORTED,
            "four-point correlation needs an 8-, 16- or 32-bit stack (RGB is not supported)");
    }
    if (lags == null || lags.length < 1)
      throw new EcmException(EcmException.EINVAL, "give at least one lag");
    for (int l : lags) {
      if (l < 0 || l >= slices.length)
        throw new EcmException(EcmException.EINVAL, "lag " + l + " frames is outside [0, "
            + (slices.length - 1) + "] (the series has " + slices.length + " frames)");
    }
    if (variant != LITERAL && variant != CONVENTIONAL)
      throw new EcmException(EcmException.EINVAL, "variant must be literal or conventional");
    if (maxR < 0 || maxR > MAX_R)
      throw new EcmException(EcmException.EINVAL, "max radius must be in [0, " + MAX_R + "] px");
    if (xiLag < 0) throw new EcmException(EcmException.EINVAL, "the xi_exp lag must be >= 0");
    if (contourR < 0 || contourR > MAX_R)
      throw new EcmException(EcmException.EINVAL, "the contour ring must be in [0, " + MAX_R
          + "] px");
    if (mask != null && mask.length != width * height)
      throw new EcmException(EcmException.EINVAL, "the ROI mask must hold width*height values");
    if (threads < 0) throw new EcmException(EcmException.EINVAL, "threads must be >= 0");
    EcmNative.load();
    return new G4Result(nativeG4(slices, width, height, lags, variant, maxR, mask, xiLag,
        wantExp, wantSep, wantContour, sepFull, contourR, threads, progress));
  }

  /**
   * xi_domain_fwhm (ecm_g4_domain_size) of a ny x nx map: the Gaussian FWHM of its
   * autocorrelation over the valid pixels (flags, or null = all finite), fit window
   * fitHalf px (0 = auto). Returns the numbers D_*.
   */
  public static double[] domainSize(float[] map, byte[] valid, int ny, int nx, int fitHalf,
      boolean excludeOrigin) {
    if (map == null || ny < 4 || nx < 4 || (long) ny * nx != map.length)
      throw new EcmException(EcmException.EINVAL,
          "the map must be at least 4 x 4 pixels and hold ny * nx values");
    if (valid != null && valid.length != map.length)
      throw new EcmException(EcmException.EINVAL, "the validity mask must hold ny * nx values");
    if (fitHalf < 0 || (fitHalf > 0 && fitHalf >= Math.min(ny, nx) / 2))
      throw new EcmException(EcmException.EINVAL, "the domain fit window must be 0 (auto) or"
          + " below half the smaller map side (" + (Math.min(ny, nx) / 2) + " px)");
    EcmNative.load();
    return nativeDomain(map, valid, ny, nx, fitHalf, excludeOrigin);
  }

  /**
   * Seconds per frame for an interval in an ImageJ time unit, as the core reads a
   * calibration ("s", "sec", "ms", "min", ...; 0 for an unknown unit or interval <= 0).
   */
  public static double dtSeconds(double interval, String timeUnit) {
    if (!(interval > 0) || Double.isInfinite(interval)) return 0;
    EcmNative.load();
    return nativeDtSeconds(interval, timeUnit == null ? "" : timeUnit);
  }

  static native double nativeDtSeconds(double interval, String timeUnit);

  static native Object[] nativeG4(Object[] slices, int width, int height, int[] lags,
      int variant, int maxR, byte[] mask, int xiLag, boolean wantExp, boolean wantSep,
      boolean wantContour, boolean sepFull, int contourR, int threads, Progress progress);

  static native double[] nativeDomain(float[] map, byte[] valid, int ny, int nx, int fitHalf,
      boolean excludeOrigin);
}
