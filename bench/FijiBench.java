// Benchmark of the Fiji path (bench/bench_fiji.sh): the Relaxation Maps computation through
// the JNI bridge on a stack held by ImageJ, against the same native map with almost no work
// (a 1-pixel ROI), which isolates the bridge's cost (one copy of the slices into native
// memory, the outputs copied back).
import ecm.fiji.EcmNative;
import ij.ImagePlus;
import ij.io.Opener;
import java.util.Locale;

public class FijiBench {
  public static void main(String[] a) {
    ImagePlus imp = new Opener().openImage(a[0]);
    int threads = a.length > 1 ? Integer.parseInt(a[1]) : 0;
    int w = imp.getWidth(), h = imp.getHeight(), n = imp.getStackSize();
    Object[] slices = new Object[n];
    for (int t = 0; t < n; t++) slices[t] = imp.getStack().getPixels(t + 1);
    float[][] o = new float[5][w * h];
    byte[] one = new byte[w * h];
    one[(h / 2) * w + w / 2] = 1;
    double dt = imp.getCalibration().frameInterval;
    EcmNative.relaxMap(slices, w, h, dt, "s", 10, 0, true, 6, 0.1, threads, null, one, o[0], o[1], o[2],
        o[3], o[4]); // warm-up: library load, FFT plans
    double best = 1e30, bestCopy = 1e30;
    for (int r = 0; r < 3; r++) {
      long t0 = System.nanoTime();
      EcmNative.relaxMap(slices, w, h, dt, "s", 10, 0, true, 6, 0.1, threads, null, one, o[0], o[1],
          o[2], o[3], o[4]);
      long t1 = System.nanoTime();
      EcmNative.relaxMap(slices, w, h, dt, "s", 10, 0, true, 6, 0.1, threads, null, null, o[0], o[1],
          o[2], o[3], o[4]);
      long t2 = System.nanoTime();
      bestCopy = Math.min(bestCopy, (t1 - t0) * 1e-9);
      best = Math.min(best, (t2 - t1) * 1e-9);
    }
    System.out.println(String.format(Locale.ROOT,
        "fiji maps %d x %d x %d (%s, %d-bit): full %.3f s, bridge + 1-pixel map %.3f s"
            + " (%.1f %% of the full run)",
        n, h, w, imp.getTitle(), imp.getBitDepth(), best, bestCopy, 100 * bestCopy / best));
  }
}
