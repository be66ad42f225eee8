using KitaLink.Contract;

// Usage: KitaLink.ContractFlow nswag|kiota. Environment as contract/flow.ts: KITALINK_URL, KITALINK_SMTP_PORT,
// KITALINK_OPERATOR_EMAIL, KITALINK_OPERATOR_PASSWORD.
static string Required(string name) =>
    Environment.GetEnvironmentVariable(name) is { Length: > 0 } value ? value : throw new InvalidOperationException($"{name} is not set");

if (args is not [var generator])
{
    Console.Error.WriteLine("usage: KitaLink.ContractFlow nswag|kiota");
    return 2;
}
var baseUrl = Required("KITALINK_URL");
IKitaLinkDriver driver = generator switch
{
    "nswag" => new NSwagDriver(baseUrl),
    "kiota" => new KiotaDriver(baseUrl),
    _ => throw new InvalidOperationException($"unknown generator {generator}"),
};
await using var smtp = new SmtpPeer(int.Parse(Required("KITALINK_SMTP_PORT"), System.Globalization.CultureInfo.InvariantCulture));
try
{
    Console.WriteLine($"C# contract flow with the {driver.Name} client against {baseUrl}");
    await new Flow(driver, smtp, Required("KITALINK_OPERATOR_EMAIL"), Required("KITALINK_OPERATOR_PASSWORD")).RunAsync();
    return 0;
}
catch (Exception ex) when (ex is FlowFailure or FlowProblem)
{
    Console.Error.WriteLine($"[{driver.Name}] contract flow failed: {ex.Message}");
    return 1;
}
