package ecm.fiji;

import ij.gui.GenericDialog;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;

/**
 * The user guide inside the jar (docs/*.html, converted from the repository's docs/fiji/
 * pages at build time): Help buttons show a command's page offline in ImageJ's HTML viewer.
 */
final class Help {
  private Help() {}

  /** The page docs/&lt;page&gt;.html from the jar, or null when it is not there. */
  static String page(String page) {
    InputStream in = Help.class.getResourceAsStream("/docs/" + page + ".html");
    if (in == null) return null;
    try {
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      byte[] buf = new byte[8192];
      for (int n; (n = in.read(buf)) > 0;) out.write(buf, 0, n);
      return new String(out.toByteArray(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      return null;
    } finally {
      try {
        in.close();
      } catch (IOException e) {
        // nothing to do
      }
    }
  }

  /** Adds a Help button showing docs/&lt;page&gt;.html (ImageJ shows "&lt;html&gt;..." itself). */
  static void add(GenericDialog gd, String page) {
    String html = page(page);
    if (html == null) {
      html = "<html><body><p>The guide page '" + page + "' is missing from this"
          + " ECM_Analysis.jar; see docs/fiji.md in the ECM source tree.</p></body></html>";
    }
    gd.addHelp(html);
  }
}
