package ecm.fiji;

import ij.IJ;
import ij.Menus;
import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.Hashtable;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

/**
 * Runs an ImageJ macro with no display at all (servers, CI), in plain ImageJ 1.x:
 *
 * <pre>
 * java -Djava.awt.headless=true -cp ij.jar:ECM_Analysis.jar ecm.fiji.Headless \
 *      [-ijpath DIR] macro.ijm [argument]
 * </pre>
 *
 * ImageJ 1.x itself cannot: its macro run() and open() first build the AWT menu bar, which
 * throws HeadlessException without a display. This runner installs ImageJ's command table
 * without any menu (ImageJ's own commands from the list in the jar, ij_commands.txt, plus the
 * plugins.config of every jar in DIR/plugins and of this jar), then runs the macro on this
 * thread. The ECM commands then take their headless paths. Fiji's own
 * {@code --headless} mode does the same job inside Fiji. Exit status: 0 when the macro ran
 * to its end, 1 when it was aborted (an error, {@code exit("...")}) or could not be read,
 * 2 for a usage error: unlike {@code ImageJ -batch}, which always exits 0.
 */
public final class Headless {
  private Headless() {}

  public static void main(String[] args) {
    String ijpath = null;
    int i = 0;
    if (args.length >= 2 && args[0].equals("-ijpath")) {
      ijpath = args[1];
      i = 2;
    }
    if (args.length - i < 1 || args.length - i > 2) {
      System.err.println("usage: java -Djava.awt.headless=true -cp ij.jar:ECM_Analysis.jar "
          + "ecm.fiji.Headless [-ijpath DIR] macro.ijm [argument]");
      System.exit(2);
    }
    String macro = args[i], arg = args.length - i == 2 ? args[i + 1] : "";
    if (!new File(macro).isFile()) {
      System.err.println("ecm.fiji.Headless: no macro file '" + macro + "'");
      System.exit(1);
    }
    if (ijpath != null) System.setProperty("plugins.dir", ijpath);
    try {
      installCommands(ijpath);
    } catch (IOException | ReflectiveOperationException | RuntimeException e) {
      System.err.println("ecm.fiji.Headless: cannot install ImageJ's command table: " + e);
      System.exit(1);
    }
    String r = IJ.runMacroFile(macro, arg);
    boolean aborted = "[aborted]".equals(r);
    if (aborted) System.err.println("ecm.fiji.Headless: the macro was aborted: " + macro);
    System.exit(aborted ? 1 : 0);
  }

  /**
   * For a macro started by plain {@code ImageJ -batch} with java.awt.headless=true, as its
   * first statement: {@code call("ecm.fiji.Headless.install");} installs the command table
   * as {@link #main} does (ImageJ's folder from the plugins.dir property). Returns "display"
   * when there is a display (nothing to do), "present" when ImageJ already has its table
   * (Fiji, or this runner), "installed N", or "failed: reason". Never throws.
   */
  public static String install() {
    if (!java.awt.GraphicsEnvironment.isHeadless()) return "display";
    if (Menus.getCommands() != null) return "present";
    try {
      return "installed " + installCommands(System.getProperty("plugins.dir"));
    } catch (IOException | ReflectiveOperationException | RuntimeException e) {
      return "failed: " + e;
    }
  }

  /** Fills ImageJ's command table (Menus.pluginsTable) without building any menu. */
  static int installCommands(String ijpath) throws IOException, ReflectiveOperationException {
    Hashtable<String, String> table = new Hashtable<String, String>();
    InputStream in = Headless.class.getResourceAsStream("/ij_commands.txt");
    if (in == null) throw new IOException("ij_commands.txt is missing from the jar");
    try (BufferedReader r = new BufferedReader(new InputStreamReader(in,
             StandardCharsets.UTF_8))) {
      for (String line; (line = r.readLine()) != null;) {
        int tab = line.indexOf('\t');
        if (tab > 0) table.put(line.substring(0, tab), line.substring(tab + 1));
      }
    }
    InputStream own = Headless.class.getResourceAsStream("/plugins.config");
    if (own != null) addPluginsConfig(table, own);
    File dir = ijpath != null ? new File(ijpath, "plugins") : null;
    File[] jars = dir != null ? dir.listFiles() : null;
    if (jars != null) {
      for (File f : jars) {
        if (!f.getName().endsWith(".jar") || !f.getName().contains("_")) continue;
        try (ZipFile z = new ZipFile(f)) {
          ZipEntry e = z.getEntry("plugins.config");
          if (e != null) addPluginsConfig(table, z.getInputStream(e));
        }
      }
    }
    java.lang.reflect.Field f = Menus.class.getDeclaredField("pluginsTable");
    f.setAccessible(true);
    f.set(null, table);
    return table.size();
  }

  /** Lines like: Plugins>ECM, "Relaxation Maps", ecm.fiji.RelaxationMaps("") */
  static void addPluginsConfig(Hashtable<String, String> table, InputStream in)
      throws IOException {
    try (BufferedReader r = new BufferedReader(new InputStreamReader(in,
             StandardCharsets.UTF_8))) {
      for (String line; (line = r.readLine()) != null;) {
        line = line.trim();
        if (line.isEmpty() || line.startsWith("#")) continue;
        int q1 = line.indexOf('"'), q2 = q1 >= 0 ? line.indexOf('"', q1 + 1) : -1;
        if (q2 < 0) continue;
        String label = line.substring(q1 + 1, q2);
        String rest = line.substring(q2 + 1).trim();
        if (!rest.startsWith(",")) continue;
        table.put(label, rest.substring(1).trim());
      }
    }
  }
}
