package ecm.fiji;

import ij.ImagePlus;
import ij.gui.ImageRoi;
import ij.gui.Overlay;
import ij.gui.TextRoi;
import ij.process.ByteProcessor;
import ij.process.ImageProcessor;
import ij.process.LUT;
import java.awt.Color;
import java.awt.Font;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * How maps look: the perceptual LUT shipped in the jar (luts/ECM_viridis.lut: lightness
 * rises monotonically from black-violet to yellow, readable in grey print and by colour-blind
 * readers), a robust display range and a calibration bar drawn as an overlay (so it is
 * saved with the image and never alters the pixel values).
 */
public final class MapDisplay {
  private MapDisplay() {}

  private static LUT viridis;

  /** The perceptual LUT (256 entries) from the jar; falls back to grays if it is missing. */
  public static synchronized LUT perceptualLut() {
    if (viridis != null) return viridis;
    byte[] r = new byte[256], g = new byte[256], b = new byte[256];
    InputStream in = MapDisplay.class.getResourceAsStream("/luts/ECM_viridis.lut");
    int n = 0;
    if (in != null) {
      try (BufferedReader br = new BufferedReader(new InputStreamReader(in,
               StandardCharsets.US_ASCII))) {
        for (String line; (line = br.readLine()) != null && n < 256;) {
          String[] f = line.trim().split("\\s+");
          if (f.length < 3) continue;
          r[n] = (byte) Integer.parseInt(f[0]);
          g[n] = (byte) Integer.parseInt(f[1]);
          b[n] = (byte) Integer.parseInt(f[2]);
          n++;
        }
      } catch (IOException | NumberFormatException e) {
        n = 0;
      }
    }
    if (n != 256) {
      for (int i = 0; i < 256; i++) r[i] = g[i] = b[i] = (byte) i;
    }
    viridis = new LUT(r, g, b);
    return viridis;
  }

  /**
   * Display range from the 1st to the 99th percentile of the finite values (a few failed or
   * extreme pixels do not wash the map out); the full range when that would be empty.
   */
  public static double[] robustRange(float[] v) {
    float[] f = new float[v.length];
    int n = 0;
    for (float x : v)
      if (!Float.isNaN(x) && !Float.isInfinite(x)) f[n++] = x;
    if (n == 0) return new double[] {0, 1};
    Arrays.sort(f, 0, n);
    double lo = f[(int) Math.floor(0.01 * (n - 1))], hi = f[(int) Math.ceil(0.99 * (n - 1))];
    if (!(hi > lo)) {
      lo = f[0];
      hi = f[n - 1];
    }
    if (!(hi > lo)) hi = lo + 1;
    return new double[] {lo, hi};
  }

  /** Perceptual LUT, robust range and a calibration bar titled `label` (e.g. "tau (s)"). */
  public static void style(ImagePlus map, String label) {
    ImageProcessor ip = map.getProcessor();
    ip.setLut(perceptualLut());
    double[] r = robustRange((float[]) ip.getPixels());
    ip.setMinAndMax(r[0], r[1]);
    addCalibrationBar(map, label);
  }

  /**
   * A calibration bar as an overlay in the upper right corner: a colour ramp with the LUT,
   * the top, middle and bottom values of the display range to its left and the quantity
   * above, on a translucent dark panel so that they read on any map. Replaces an earlier
   * bar; maps too small to hold one keep the LUT alone.
   */
  public static void addCalibrationBar(ImagePlus map, String label) {
    ImageProcessor ip = map.getProcessor();
    int w = map.getWidth(), h = map.getHeight();
    int fs = Math.max(5, Math.min(11, h / 18));
    Font font = new Font("SansSerif", Font.PLAIN, fs);
    double lo = ip.getMin(), hi = ip.getMax();
    String[] texts = {fmt(hi), fmt(0.5 * (lo + hi)), fmt(lo)};
    java.awt.image.BufferedImage scratch =
        new java.awt.image.BufferedImage(1, 1, java.awt.image.BufferedImage.TYPE_INT_RGB);
    java.awt.FontMetrics fm = scratch.getGraphics().getFontMetrics(font);
    int textW = 0;
    for (String t : texts) textW = Math.max(textW, fm.stringWidth(t));
    int pad = Math.max(1, fs / 4);
    int barH = Math.max(3 * fs, (int) Math.round(0.3 * h));
    int barW = Math.max(2, fs / 2 + 2);
    int panelW = pad + textW + pad + barW + pad;
    int panelW2 = Math.max(panelW, fm.stringWidth(label) + 2 * pad);
    int panelH = pad + fs + pad + barH + pad + fs / 2;
    if (panelW2 > w / 2 || panelH > h) return; // too small for a bar: the LUT alone
    int px = w - panelW2, py = 0;
    Overlay ov = map.getOverlay();
    if (ov == null) ov = new Overlay();
    for (int i = ov.size() - 1; i >= 0; i--)
      if ("ecm-calibration-bar".equals(ov.get(i).getName())) ov.remove(i);
    ij.gui.Roi panel = new ij.gui.Roi(px, py, panelW2, panelH);
    panel.setFillColor(new Color(0, 0, 0, 150));
    panel.setName("ecm-calibration-bar");
    ov.add(panel);
    int bx = w - pad - barW, by = py + pad + fs + pad;
    ByteProcessor ramp = new ByteProcessor(barW, barH);
    for (int y = 0; y < barH; y++) {
      int v = (int) Math.round(255.0 * (barH - 1 - y) / Math.max(1, barH - 1));
      for (int x = 0; x < barW; x++) ramp.set(x, y, v);
    }
    ramp.setLut(perceptualLut());
    ImageRoi bar = new ImageRoi(bx, by, ramp.convertToRGB());
    bar.setName("ecm-calibration-bar");
    ov.add(bar);
    int[] ys = {by - fs / 2, by + barH / 2 - fs / 2, by + barH - fs / 2 - 1};
    for (int k = 0; k < 3; k++) {
      int tx = bx - pad - fm.stringWidth(texts[k]);
      TextRoi t = new TextRoi(tx, Math.max(py, ys[k]), texts[k], font);
      t.setStrokeColor(Color.white);
      t.setName("ecm-calibration-bar");
      ov.add(t);
    }
    TextRoi title = new TextRoi(w - pad - fm.stringWidth(label), py + pad / 2, label, font);
    title.setStrokeColor(Color.white);
    title.setName("ecm-calibration-bar");
    ov.add(title);
    map.setOverlay(ov);
  }

  private static String fmt(double v) {
    return String.format(java.util.Locale.ROOT, "%.3g", v);
  }
}
