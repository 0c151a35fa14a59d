package ecm.fiji;

/** Test-only bridge to the package-private native entry points (no Java-side checks). */
public final class EcmNativeAccess {
  private EcmNativeAccess() {}

  public static double[] raw(Object[] slices, int w, int h, float[] tau, float[] beta, float[] a,
      float[] chi2, float[] status) {
    EcmNative.load();
    return EcmNative.nativeRelaxMap(slices, w, h, 0.5, "s", 10, 0, true, 6, 0.1, 1, null, null,
        tau, beta, a, chi2, status);
  }
}
