// JVM test mode 'gomp': the jar's copy of GCC's OpenMP runtime (natives/linux64/libgomp.so.1)
// loads and serves libecm_jni when the system's is not used (forced here with
// -Decm.jni.bundledGomp=true, set before the first native call), and threads still work.
import ecm.fiji.EcmNative;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Paths;

public class Mode_gomp {
  public static void run() throws Exception {
    if (EcmNative.class.getResource("/natives/linux64/libgomp.so.1") == null) {
      FijiDriver.check(true, "no runtime copy in this jar (ECM_FIJI_STATIC_DEPS=OFF): skipped");
      return;
    }
    System.setProperty("ecm.jni.bundledGomp", "true");
    String v = EcmNative.version();
    String gomp = EcmNative.bundledRuntime();
    FijiDriver.check(gomp != null && gomp.endsWith("/libgomp.so.1"),
        "bundled libgomp loaded: " + gomp);
    String maps = new String(Files.readAllBytes(Paths.get("/proc/self/maps")),
        StandardCharsets.US_ASCII);
    int systemCopies = 0, ours = 0;
    for (String line : maps.split("\n")) {
      if (!line.contains("libgomp")) continue;
      if (gomp != null && line.endsWith(gomp)) ours++;
      else systemCopies++;
    }
    FijiDriver.check(ours > 0 && systemCopies == 0,
        "only the jar's libgomp is mapped (ours=" + ours + ", other=" + systemCopies + ")");
    String info = EcmNative.buildInfo();
    FijiDriver.check(info.contains("OpenMP"), "OpenMP runtime answers: " + info);
    String st = EcmNative.selfTest();
    FijiDriver.check(st.contains(" ok,"), "self-test with the bundled runtime: " + st + " (" + v
        + ")");
  }
}
