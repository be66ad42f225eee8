using System.Net.Http.Headers;
using KitaLink.Contract.NSwag;

namespace KitaLink.Contract;

/// <summary>The flow through the NSwag client (generated/NSwag): errors arrive as ApiException&lt;ProblemDetails&gt;.</summary>
public sealed class NSwagDriver(string baseUrl) : IKitaLinkDriver
{
    private readonly Dictionary<string, HttpClient> _clients = new(StringComparer.Ordinal);

    public string Name => "NSwag";

    private KitaLinkClient Client(string? token)
    {
        var key = token ?? "";
        if (!_clients.TryGetValue(key, out var http))
        {
            http = new HttpClient();
            http.DefaultRequestHeaders.AcceptLanguage.ParseAdd("en");
            if (token is not null)
            {
                http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
            }
            _clients[key] = http;
        }
        return new KitaLinkClient(http) { BaseUrl = baseUrl };
    }

    /// <summary>Every error through the one shared problem type; an undocumented status would be a plain ApiException.</summary>
    private static async Task<T> Call<T>(Func<Task<T>> call)
    {
        try
        {
            return await call();
        }
        catch (ApiException<ProblemDetails> problem)
        {
            Flow.Check(problem.Result.Status == problem.StatusCode, "problem status differs from the HTTP status");
            throw new FlowProblem(problem.StatusCode, problem.Result.Code, problem.Result.Detail,
                (problem.Result.Errors?.Keys ?? []).ToList());
        }
    }

    private static Task Call(Func<Task> call) => Call(async () => { await call(); return 0; });

    public Task<string> StaffTokenAsync(string email, string password) =>
        Call(async () => (await Client(null).CreateStaffTokenAsync(new CredentialsRequest { Email = email, Password = password })).AccessToken);

    public Task<Guid> CreateFacilityAsync(string token, string name, string idempotencyKey) =>
        Call(async () => (await Client(token).CreateFacilityAsync(idempotencyKey, new CreateFacilityRequest { Name = name })).Id);

    public Task CreateAdminAsync(string token, Guid facilityId, string email, string password) =>
        Call(() => Client(token).CreateFacilityStaffAsOperatorAsync(facilityId, Guid.NewGuid().ToString(),
            new CreateStaffRequest { Email = email, Password = password, DisplayName = "Anna Becker", Role = FacilityStaffRole.Admin }));

    public Task<Page> ListChildrenAsync(string token, int? limit, string? cursor) =>
        Call(async () =>
        {
            var page = await Client(token).ListChildrenAsync(null, null, null, limit, cursor);
            return new Page(page.Items.Select(c => c.Id).ToList(), page.NextCursor);
        });

    public Task<Guid> CreateChildAsync(string token, string firstName, DateTimeOffset born, string? idempotencyKey) =>
        Call(async () => (await Client(token).CreateChildAsync(idempotencyKey, new CreateChildRequest
        {
            FirstName = firstName,
            LastName = "Schneider",
            DateOfBirth = DateOnly.FromDateTime(born.UtcDateTime),
            Group = "Marienkäfer",
        })).Id);

    public async Task<string> ChildETagAsync(string token, Guid childId)
    {
        var client = Client(token);
        await Call(() => client.GetChildAsync(childId));
        return client.LastETag ?? throw new FlowFailure("getChild answered without an ETag");
    }

    public Task SetChildGroupAsync(string token, Guid childId, string group, string ifMatch) =>
        Call(() => Client(token).UpdateChildAsync(childId, ifMatch, new UpdateChildRequest { Group = group }));

    public Task<Guid> CreateGuardianAsync(string token, Guid childId, string email) =>
        Call(async () => (await Client(token).CreateGuardianAsync(childId, Guid.NewGuid().ToString(),
            new CreateGuardianRequest { Name = "Julia Schneider", Relationship = "Mutter", Email = email })).Id);

    public Task<CreatedPins> CreatePinsAsync(string token, Guid childId, Guid guardianId, string idempotencyKey) =>
        Call(async () =>
        {
            var pins = await Client(token).CreatePinsAsync(childId, guardianId, idempotencyKey);
            return new CreatedPins(pins.Pin1, pins.Pin2Delivery.MessageId, pins.Pin2Delivery.Recipient);
        });

    public Task<Registered> RegisterAsync(string email, string password, string pin1, string pin2, string idempotencyKey) =>
        Call(async () =>
        {
            var registered = await Client(null).RegisterParentAsync(idempotencyKey,
                new RegisterRequest { Email = email, Password = password, Pin1 = pin1, Pin2 = pin2 });
            return new Registered(registered.Account.Id, registered.Child.Id,
                new Tokens(registered.Tokens.AccessToken, registered.Tokens.RefreshToken));
        });

    public Task<Tokens> SignInAsync(string email, string password) =>
        Call(async () =>
        {
            var tokens = await Client(null).CreateParentTokenAsync(new CredentialsRequest { Email = email, Password = password });
            return new Tokens(tokens.AccessToken, tokens.RefreshToken);
        });

    public Task<Page> MyChildrenAsync(string token, int? limit, string? cursor) =>
        Call(async () =>
        {
            var page = await Client(token).ListMyChildrenAsync(null, limit, cursor);
            return new Page(page.Items.Select(c => c.Id).ToList(), page.NextCursor);
        });

    public Task<Guid> LinkChildAsync(string token, string pin1, string pin2) =>
        Call(async () => (await Client(token).LinkMyChildAsync(Guid.NewGuid().ToString(), new LinkChildRequest { Pin1 = pin1, Pin2 = pin2 })).Id);

    public Task<Tokens> RefreshAsync(string refreshToken) =>
        Call(async () =>
        {
            var tokens = await Client(null).RefreshParentTokenAsync(new RefreshRequest { RefreshToken = refreshToken });
            return new Tokens(tokens.AccessToken, tokens.RefreshToken);
        });

    public Task GetMyChildAsync(string token, Guid childId) => Call(() => Client(token).GetMyChildAsync(childId));
}
