using System.Net;
using System.Text.Json;
using KitaLink.IntegrationTests.Infrastructure;

namespace KitaLink.IntegrationTests.Pins;

public static class PinTestSupport
{
    public static string GuardianPath(TestGuardian guardian) =>
        $"/api/v1/facility/children/{guardian.ChildId}/guardians/{guardian.GuardianId}";

    public static string PinsPath(TestGuardian guardian) => GuardianPath(guardian) + "/pins";

    public static async Task<JsonElement> GuardianViewAsync(this HttpClient client, string token, TestGuardian guardian) =>
        await (await client.GetAsync(GuardianPath(guardian), token)).ExpectAsync(HttpStatusCode.OK);

    public static async Task<JsonElement> PinViewAsync(this HttpClient client, string token, TestGuardian guardian) =>
        (await client.GuardianViewAsync(token, guardian)).GetProperty("pin");

    /// <summary>Polls the help desk view until the PIN 2 delivery has the given status; returns the delivery.</summary>
    public static async Task<JsonElement> WaitForDeliveryAsync(this HttpClient client, string token, TestGuardian guardian, string status)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (true)
        {
            var delivery = (await client.PinViewAsync(token, guardian)).GetProperty("pin2Delivery");
            if (delivery.GetProperty("status").GetString() == status)
            {
                return delivery;
            }
            Assert.True(DateTime.UtcNow < deadline, $"PIN 2 delivery did not become {status}: {delivery}");
            await Task.Delay(100);
        }
    }

    public static bool IsPinFormat(string? pin) =>
        pin is { Length: 9 } && pin[4] == '-' && StaffApi.PinPattern().IsMatch(pin);
}
