namespace Uip2p.Imaging;

/// <summary>How pixel values are scaled in a float image tensor.</summary>
public enum PixelRange
{
    /// <summary>[0, 1]: what metrics (L1/L2, CLIP preprocessing) use.</summary>
    ZeroOne,
    /// <summary>[−1, 1]: what the VAE takes and gives (DESIGN §2).</summary>
    MinusOneOne,
}
