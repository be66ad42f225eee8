namespace KitaLink.Contract;

public sealed class FlowFailure(string message) : Exception(message);

/// <summary>
/// A problem-details answer as a generated client exposes it through its one shared <c>ProblemDetails</c> type:
/// status, <c>code</c>, <c>detail</c> and the field names of <c>errors</c>.
/// </summary>
public sealed class FlowProblem(int status, string? code, string? detail, IReadOnlyCollection<string> fields) : Exception($"{status} {code}: {detail}")
{
    public int Status { get; } = status;
    public string? Code { get; } = code;
    public string? Detail { get; } = detail;
    public IReadOnlyCollection<string> Fields { get; } = fields;
}

public sealed record Tokens(string AccessToken, string RefreshToken);
public sealed record CreatedPins(string Pin1, Guid MessageId, string Recipient);
public sealed record Registered(Guid AccountId, Guid ChildId, Tokens Tokens);
public sealed record Page(IReadOnlyList<Guid> Ids, string? NextCursor);

/// <summary>What the flow needs from a generated client; one implementation per generator.</summary>
public interface IKitaLinkDriver
{
    string Name { get; }
    Task<string> StaffTokenAsync(string email, string password);
    Task<Guid> CreateFacilityAsync(string token, string name, string idempotencyKey);
    Task CreateAdminAsync(string token, Guid facilityId, string email, string password);
    Task<Page> ListChildrenAsync(string token, int? limit, string? cursor);
    Task<Guid> CreateChildAsync(string token, string firstName, DateTimeOffset born, string? idempotencyKey);
    Task<string> ChildETagAsync(string token, Guid childId);
    Task SetChildGroupAsync(string token, Guid childId, string group, string ifMatch);
    Task<Guid> CreateGuardianAsync(string token, Guid childId, string email);
    Task<CreatedPins> CreatePinsAsync(string token, Guid childId, Guid guardianId, string idempotencyKey);
    Task<Registered> RegisterAsync(string email, string password, string pin1, string pin2, string idempotencyKey);
    Task<Tokens> SignInAsync(string email, string password);
    Task<Page> MyChildrenAsync(string token, int? limit, string? cursor);
    Task<Guid> LinkChildAsync(string token, string pin1, string pin2);
    Task<Tokens> RefreshAsync(string refreshToken);
    Task GetMyChildAsync(string token, Guid childId);
}

/// <summary>
/// The parent flow, driven through a generated client: operator → facility and admin → children, guardians,
/// PINs → PIN 2 from the SMTP peer → registration, sign-in, paged children, sibling, refresh. Every error code
/// the flow provokes is read back through the client's shared problem type and must be the documented one.
/// </summary>
public sealed class Flow(IKitaLinkDriver api, SmtpPeer smtp, string operatorEmail, string operatorPassword)
{
    private int _steps;
    private readonly HashSet<string> _codesRead = new(StringComparer.Ordinal);

    public static void Check(bool condition, string message)
    {
        if (!condition)
        {
            throw new FlowFailure(message);
        }
    }

    private void Step(string text) => Console.WriteLine($"  ok {++_steps,2}  [{api.Name}] {text}");

    /// <summary>Runs a call that must fail; checks status, code and that detail is the readable message.</summary>
    private async Task<FlowProblem> ExpectProblemAsync(Func<Task> call, int status, string code, string what)
    {
        try
        {
            await call();
        }
        catch (FlowProblem problem)
        {
            Check(problem.Status == status, $"{what}: expected {status}, got {problem.Status}");
            Check(problem.Code == code, $"{what}: expected code {code}, read '{problem.Code}' through the shared problem type");
            Check(!string.IsNullOrWhiteSpace(problem.Detail), $"{what}: no detail");
            _codesRead.Add(code);
            return problem;
        }
        throw new FlowFailure($"{what}: expected {status} {code}, but the call succeeded");
    }

    public async Task RunAsync()
    {
        var suffix = Guid.NewGuid().ToString("N")[..8];
        var operatorToken = await api.StaffTokenAsync(operatorEmail, operatorPassword);
        Step("operator signs in");

        var facilityKey = Guid.NewGuid().ToString();
        var facilityId = await api.CreateFacilityAsync(operatorToken, $"Kita Sonnenschein {suffix}", facilityKey);
        var replayed = await api.CreateFacilityAsync(operatorToken, $"Kita Sonnenschein {suffix}", facilityKey);
        Check(replayed == facilityId, "a retry with the same Idempotency-Key created another facility");
        Step("operator creates a facility; the retry with the same Idempotency-Key answers the same facility");
        await ExpectProblemAsync(() => api.CreateFacilityAsync(operatorToken, $"Kita Regenbogen {suffix}", facilityKey),
            422, "idempotency_key_reused", "same key, another body");
        Step("the same key with another body: 422 idempotency_key_reused");

        var adminEmail = $"anna.becker.{suffix}@kita-sonnenschein.example";
        const string adminPassword = "Sonnenschein-Leitung-2026";
        await api.CreateAdminAsync(operatorToken, facilityId, adminEmail, adminPassword);
        Step("operator creates the facility's admin");
        await ExpectProblemAsync(() => api.ListChildrenAsync(operatorToken, null, null), 403, "forbidden", "operator lists children");
        Step("operator may not list children: 403 forbidden");
        await ExpectProblemAsync(() => api.ListChildrenAsync("not-a-token", null, null), 401, "unauthenticated", "garbage token");
        Step("a garbage token: 401 unauthenticated");

        var staff = await api.StaffTokenAsync(adminEmail, adminPassword);
        Step("admin signs in");
        var invalid = await ExpectProblemAsync(() => api.CreateChildAsync(staff, "", DateTimeOffset.UtcNow.AddYears(-3), null),
            400, "validation_failed", "child without a first name");
        Check(invalid.Fields.Contains("firstName"), $"validation_failed names {string.Join(",", invalid.Fields)}, not firstName");
        Step("a child without a first name: 400 validation_failed with errors.firstName");

        var parentEmail = $"julia.schneider.{suffix}@example.com";
        async Task<(Guid Child, string Pin1, string Pin2)> ChildWithPinsAsync(string firstName, int age)
        {
            var child = await api.CreateChildAsync(staff, firstName, DateTimeOffset.UtcNow.AddYears(-age), Guid.NewGuid().ToString());
            var guardian = await api.CreateGuardianAsync(staff, child, parentEmail);
            var pinsKey = Guid.NewGuid().ToString();
            var pins = await api.CreatePinsAsync(staff, child, guardian, pinsKey);
            var retried = await api.CreatePinsAsync(staff, child, guardian, pinsKey);
            Check(retried.Pin1 == pins.Pin1 && retried.MessageId == pins.MessageId, "a retried create-PINs made another pair");
            Check(pins.Recipient == parentEmail, "PIN 2 goes to another address");
            return (child, pins.Pin1, await smtp.Pin2Async(pins.MessageId, parentEmail));
        }
        var mia = await ChildWithPinsAsync("Mia", 3);
        Step("staff create Mia, guardian Julia and PINs (retry replayed, not a second pair); PIN 2 from the SMTP peer");
        var leon = await ChildWithPinsAsync("Leon", 5);
        Step("staff create sibling Leon, guardian and PINs; PIN 2 from the SMTP peer");

        var etag = await api.ChildETagAsync(staff, mia.Child);
        await api.SetChildGroupAsync(staff, mia.Child, "Igel", etag);
        await ExpectProblemAsync(() => api.SetChildGroupAsync(staff, mia.Child, "Käfer", etag), 412, "precondition_failed", "outdated If-Match");
        Step("PATCH with the read's ETag applies; with the outdated one: 412 precondition_failed");
        await ExpectProblemAsync(() => api.GetMyChildAsync(staff, mia.Child), 403, "forbidden", "staff reads a parent's child");

        const string password = "Sonnenblume-Garten-2026";
        await ExpectProblemAsync(() => api.RegisterAsync(parentEmail, password, mia.Pin1, "2222-2222", Guid.NewGuid().ToString()),
            422, "pins_invalid", "registration with a wrong PIN 2");
        Step("registration with a wrong PIN 2: 422 pins_invalid");
        await ExpectProblemAsync(() => api.RegisterAsync($"other.{suffix}@example.com", password, mia.Pin1, mia.Pin2, Guid.NewGuid().ToString()),
            422, "email_mismatch", "registration with another email");
        Step("registration with correct PINs and another email: 422 email_mismatch");

        var registrationKey = Guid.NewGuid().ToString();
        var registered = await api.RegisterAsync(parentEmail, password, mia.Pin1, mia.Pin2, registrationKey);
        Check(registered.ChildId == mia.Child, "registration linked another child");
        var replay = await api.RegisterAsync(parentEmail, password, mia.Pin1, mia.Pin2, registrationKey);
        Check(replay.AccountId == registered.AccountId, "the registration retry answered another account");
        Step("parent registers; the retry with the same Idempotency-Key answers the same account");
        await ExpectProblemAsync(() => api.RegisterAsync(parentEmail, password, mia.Pin1, mia.Pin2, Guid.NewGuid().ToString()),
            409, "pins_already_used", "registration with used PINs");
        Step("the same PINs under a new key: 409 pins_already_used");

        var login = await api.SignInAsync(parentEmail, password);
        Step("parent signs in");
        await ExpectProblemAsync(() => api.GetMyChildAsync(login.AccessToken, Guid.NewGuid()), 404, "not_found", "unknown child");
        Step("an unknown child: 404 not_found");

        var sibling = await api.LinkChildAsync(login.AccessToken, leon.Pin1, leon.Pin2);
        Check(sibling == leon.Child, "linked another child");
        await ExpectProblemAsync(() => api.LinkChildAsync(login.AccessToken, leon.Pin1, leon.Pin2), 409, "pins_already_used", "link again");
        Step("parent links sibling Leon; the same PINs again: 409 pins_already_used");

        var first = await api.MyChildrenAsync(login.AccessToken, 1, null);
        Check(first.Ids.Count == 1 && first.NextCursor is not null, "first page of one child with a cursor");
        var second = await api.MyChildrenAsync(login.AccessToken, 1, first.NextCursor);
        Check(second.Ids.Count == 1 && second.NextCursor is null, "second and last page");
        Check(new[] { first.Ids[0], second.Ids[0] }.Order().SequenceEqual(new[] { mia.Child, leon.Child }.Order()), "pages hold Mia and Leon once each");
        Step("parent pages through the children (limit 1): Mia and Leon, nextCursor null at the end");

        var refreshed = await api.RefreshAsync(login.RefreshToken);
        Check(refreshed.RefreshToken != login.RefreshToken, "refresh token not rotated");
        await ExpectProblemAsync(() => api.RefreshAsync(login.RefreshToken), 401, "unauthenticated", "replayed refresh token");
        Step("refresh rotates; the used refresh token again: 401 unauthenticated");

        Console.WriteLine($"[{api.Name}] contract flow passed: {_steps} steps; codes read through the shared problem type: " +
            string.Join(", ", _codesRead.Order(StringComparer.Ordinal)));
    }
}
