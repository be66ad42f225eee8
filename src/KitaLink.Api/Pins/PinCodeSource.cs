using KitaLink.Api.Infrastructure.Security;

namespace KitaLink.Api.Pins;

/// <summary>Where new PINs come from: <see cref="PinCodes.Generate"/> (CSPRNG). A seam so tests can force a PIN 1 collision.</summary>
public class PinCodeSource
{
    public virtual string Next() => PinCodes.Generate();
}
