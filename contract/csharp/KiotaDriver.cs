using KitaLink.Contract.Kiota;
using KitaLink.Contract.Kiota.Models;
using Microsoft.Kiota.Abstractions;
using Microsoft.Kiota.Abstractions.Authentication;
using Microsoft.Kiota.Http.HttpClientLibrary;
using Microsoft.Kiota.Http.HttpClientLibrary.Middleware.Options;

namespace KitaLink.Contract;

/// <summary>
/// The flow through the Kiota client (generated/Kiota): every error status maps to the one ProblemDetails
/// exception, whose Message is <c>detail</c> (x-ms-primary-error-message).
/// </summary>
public sealed class KiotaDriver : IKitaLinkDriver
{
    private readonly KitaLinkKiotaClient _client;

    public KiotaDriver(string baseUrl)
    {
        var adapter = new HttpClientRequestAdapter(new AnonymousAuthenticationProvider()) { BaseUrl = baseUrl };
        _client = new KitaLinkKiotaClient(adapter);
    }

    public string Name => "Kiota";

    private static Action<RequestConfiguration<T>> As<T>(string? token, string? idempotencyKey = null, string? ifMatch = null,
        Action<T>? query = null, HeadersInspectionHandlerOption? inspect = null)
        where T : class, new() =>
        config =>
        {
            config.Headers.Add("Accept-Language", "en");
            if (token is not null)
            {
                config.Headers.Add("Authorization", "Bearer " + token);
            }
            if (idempotencyKey is not null)
            {
                config.Headers.Add("Idempotency-Key", idempotencyKey);
            }
            if (ifMatch is not null)
            {
                config.Headers.Add("If-Match", ifMatch);
            }
            if (query is not null)
            {
                query(config.QueryParameters);
            }
            if (inspect is not null)
            {
                config.Options.Add(inspect);
            }
        };

    private static async Task<T> Call<T>(Func<Task<T>> call)
    {
        try
        {
            return await call();
        }
        catch (ProblemDetails problem)
        {
            Flow.Check(problem.Message == problem.Detail, "Kiota's exception message is not the problem's detail");
            Flow.Check(problem.Status == problem.ResponseStatusCode, "problem status differs from the HTTP status");
            throw new FlowProblem(problem.ResponseStatusCode, problem.Code, problem.Detail,
                (problem.Errors?.AdditionalData.Keys ?? []).ToList());
        }
    }

    private static Task Call(Func<Task> call) => Call(async () => { await call(); return 0; });

    private static T Must<T>(T? value, string what) where T : class =>
        value ?? throw new FlowFailure($"{what}: no body");

    public Task<string> StaffTokenAsync(string email, string password) =>
        Call(async () => Must(await _client.Api.V1.Staff.Auth.Token.PostAsync(new CredentialsRequest { Email = email, Password = password },
            As<DefaultQueryParameters>(null)), "staff token").AccessToken!);

    public Task<Guid> CreateFacilityAsync(string token, string name, string idempotencyKey) =>
        Call(async () => Must(await _client.Api.V1.Facilities.PostAsync(new CreateFacilityRequest { Name = name },
            As<DefaultQueryParameters>(token, idempotencyKey)), "facility").Id!.Value);

    public Task CreateAdminAsync(string token, Guid facilityId, string email, string password) =>
        Call(() => _client.Api.V1.Facilities[facilityId].Staff.PostAsync(
            new CreateStaffRequest { Email = email, Password = password, DisplayName = "Anna Becker", Role = FacilityStaffRole.Admin },
            As<DefaultQueryParameters>(token, Guid.NewGuid().ToString())));

    public Task<Page> ListChildrenAsync(string token, int? limit, string? cursor) =>
        Call(async () =>
        {
            var page = Must(await _client.Api.V1.Facility.Children.GetAsync(
                As<KitaLink.Contract.Kiota.Api.V1.Facility.Children.ChildrenRequestBuilder.ChildrenRequestBuilderGetQueryParameters>(token,
                    query: q => { q.Limit = limit; q.Cursor = cursor; })), "children");
            return new Page(page.Items!.Select(c => c.Id!.Value).ToList(), page.NextCursor);
        });

    public Task<Guid> CreateChildAsync(string token, string firstName, DateTimeOffset born, string? idempotencyKey) =>
        Call(async () => Must(await _client.Api.V1.Facility.Children.PostAsync(new CreateChildRequest
        {
            FirstName = firstName,
            LastName = "Schneider",
            DateOfBirth = new Date(born.UtcDateTime),
            Group = "Marienkäfer",
        }, As<DefaultQueryParameters>(token, idempotencyKey)), "child").Id!.Value);

    public async Task<string> ChildETagAsync(string token, Guid childId)
    {
        var inspect = new HeadersInspectionHandlerOption { InspectResponseHeaders = true };
        await Call(() => _client.Api.V1.Facility.Children[childId].GetAsync(As<DefaultQueryParameters>(token, inspect: inspect)));
        return inspect.ResponseHeaders.TryGetValue("ETag", out var values) ? values.Single() : throw new FlowFailure("getChild answered without an ETag");
    }

    public Task SetChildGroupAsync(string token, Guid childId, string group, string ifMatch) =>
        Call(() => _client.Api.V1.Facility.Children[childId].PatchAsync(new UpdateChildRequest { Group = group },
            As<DefaultQueryParameters>(token, ifMatch: ifMatch)));

    public Task<Guid> CreateGuardianAsync(string token, Guid childId, string email) =>
        Call(async () => Must(await _client.Api.V1.Facility.Children[childId].Guardians.PostAsync(
            new CreateGuardianRequest { Name = "Julia Schneider", Relationship = "Mutter", Email = email },
            As<DefaultQueryParameters>(token, Guid.NewGuid().ToString())), "guardian").Id!.Value);

    public Task<CreatedPins> CreatePinsAsync(string token, Guid childId, Guid guardianId, string idempotencyKey) =>
        Call(async () =>
        {
            var pins = Must(await _client.Api.V1.Facility.Children[childId].Guardians[guardianId].Pins.PostAsync(
                As<DefaultQueryParameters>(token, idempotencyKey)), "pins");
            return new CreatedPins(pins.Pin1!, pins.Pin2Delivery!.MessageId!.Value, pins.Pin2Delivery.Recipient!);
        });

    public Task<Registered> RegisterAsync(string email, string password, string pin1, string pin2, string idempotencyKey) =>
        Call(async () =>
        {
            var registered = Must(await _client.Api.V1.Accounts.PostAsync(
                new RegisterRequest { Email = email, Password = password, Pin1 = pin1, Pin2 = pin2 },
                As<DefaultQueryParameters>(null, idempotencyKey)), "registration");
            return new Registered(registered.Account!.Id!.Value, registered.Child!.Id!.Value,
                new Tokens(registered.Tokens!.AccessToken!, registered.Tokens.RefreshToken!));
        });

    public Task<Tokens> SignInAsync(string email, string password) =>
        Call(async () =>
        {
            var tokens = Must(await _client.Api.V1.Auth.Token.PostAsync(new CredentialsRequest { Email = email, Password = password },
                As<DefaultQueryParameters>(null)), "token");
            return new Tokens(tokens.AccessToken!, tokens.RefreshToken!);
        });

    public Task<Page> MyChildrenAsync(string token, int? limit, string? cursor) =>
        Call(async () =>
        {
            var page = Must(await _client.Api.V1.Me.Children.GetAsync(
                As<KitaLink.Contract.Kiota.Api.V1.Me.Children.ChildrenRequestBuilder.ChildrenRequestBuilderGetQueryParameters>(token,
                    query: q => { q.Limit = limit; q.Cursor = cursor; })), "my children");
            return new Page(page.Items!.Select(c => c.Id!.Value).ToList(), page.NextCursor);
        });

    public Task<Guid> LinkChildAsync(string token, string pin1, string pin2) =>
        Call(async () => Must(await _client.Api.V1.Me.Children.PostAsync(new LinkChildRequest { Pin1 = pin1, Pin2 = pin2 },
            As<DefaultQueryParameters>(token, Guid.NewGuid().ToString())), "link").Id!.Value);

    public Task<Tokens> RefreshAsync(string refreshToken) =>
        Call(async () =>
        {
            var tokens = Must(await _client.Api.V1.Auth.Refresh.PostAsync(new RefreshRequest { RefreshToken = refreshToken },
                As<DefaultQueryParameters>(null)), "refresh");
            return new Tokens(tokens.AccessToken!, tokens.RefreshToken!);
        });

    public Task GetMyChildAsync(string token, Guid childId) =>
        Call(() => _client.Api.V1.Me.Children[childId].GetAsync(As<DefaultQueryParameters>(token)));
}
