// The integrator's view of KitaLink: a client generated from openapi.yaml alone (openapi-typescript types +
// openapi-fetch) drives the whole PIN process against a running service. It is type-checked against the
// generated types (`npm run typecheck`), so a contract break fails at compile time, and run against the
// service (`npm run flow`), so a document that lies about the service fails at run time.
//
// Every answer is also checked at run time against openapi.yaml itself: its status must be documented for
// the operation, and its body must validate against the documented schema of that status and content type
// (required members, nullability, formats, enums, and per status the allowed problem `code` values).
//
// The script is the SMTP peer of the service: it listens on KITALINK_SMTP_PORT and reads PIN 2 from the
// email the outbox sender delivers, exactly as a parent would.
//
// Environment: KITALINK_URL (e.g. http://127.0.0.1:5080), KITALINK_SMTP_PORT, KITALINK_OPERATOR_EMAIL,
// KITALINK_OPERATOR_PASSWORD.
import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { Ajv2020 } from "ajv/dist/2020.js";
import addFormats from "ajv-formats";
import createClient, { type Middleware } from "openapi-fetch";
import { parse } from "yaml";
import { simpleParser } from "mailparser";
import { SMTPServer } from "smtp-server";
import type { components, paths } from "./generated/kitalink.js";

type Problem = components["schemas"]["ProblemDetails"];
// `code` is an open string; the codes an operation answers with are listed per status in openapi.yaml.
type ErrorCode = Problem["code"];

const baseUrl = required("KITALINK_URL");
const smtpPort = Number(required("KITALINK_SMTP_PORT"));
const operator = { email: required("KITALINK_OPERATOR_EMAIL"), password: required("KITALINK_OPERATOR_PASSWORD") };

const PIN_PATTERN = /(?<![A-Z0-9])[2-9A-HJ-NP-Z]{4}-[2-9A-HJ-NP-Z]{4}(?![A-Z0-9])/g;

let steps = 0;

function required(name: string): string {
  const value = process.env[name];
  if (!value) {
    throw new Error(`${name} is not set`);
  }
  return value;
}

function step(text: string): void {
  steps++;
  console.log(`  ok ${String(steps).padStart(2)}  ${text}`);
}

function check(condition: unknown, message: string): asserts condition {
  if (!condition) {
    throw new Error(`Contract flow failed: ${message}`);
  }
}

/** Unwraps an openapi-fetch result: the data of the expected status, or a readable failure. */
function expectData<T>(result: { data?: T; error?: unknown; response: Response }, status: number, what: string): T {
  check(
    result.response.status === status && result.data !== undefined,
    `${what}: expected ${status}, got ${result.response.status} ${JSON.stringify(result.error ?? null)}`,
  );
  return result.data;
}

/** Checks a problem-details answer: status, content type, the stable code and the members every problem has. */
function expectProblem(
  result: { error?: Problem; response: Response },
  status: number,
  code: ErrorCode,
  what: string,
): Problem {
  const problem = result.error;
  check(result.response.status === status, `${what}: expected ${status}, got ${result.response.status}`);
  check(
    result.response.headers.get("content-type")?.startsWith("application/problem+json"),
    `${what}: content type ${result.response.headers.get("content-type")}`,
  );
  check(problem !== undefined && problem.code === code, `${what}: expected code ${code}, got ${JSON.stringify(problem)}`);
  check(problem.status === status && problem.traceId.length > 0 && problem.title.length > 0, `${what}: incomplete problem`);
  return problem;
}

// --- Run-time check of every answer against openapi.yaml ----------------------------------------------------

const DOCUMENT_ID = "https://kitalink.example/openapi.yaml";
const documentPath = new URL("../openapi.yaml", import.meta.url);
const document = parse(readFileSync(documentPath, "utf8")) as { paths: Record<string, Record<string, unknown>> };
const ajv = new Ajv2020({ strict: false, allErrors: true });
addFormats.default(ajv);
ajv.addFormat("int32", { type: "number", validate: (n: number) => Number.isInteger(n) && Math.abs(n) <= 2 ** 31 });
ajv.addFormat("int64", { type: "number", validate: (n: number) => Number.isInteger(n) });
ajv.addSchema({ ...document, $id: DOCUMENT_ID });
let validatedAnswers = 0;

const pointer = (...segments: string[]) => segments.map((s) => s.replaceAll("~", "~0").replaceAll("/", "~1")).join("/");

const conformsToDocument: Middleware = {
  async onResponse({ request, response, schemaPath }) {
    const method = request.method.toLowerCase();
    const operation = document.paths[schemaPath]?.[method] as
      | { operationId: string; responses: Record<string, { content?: Record<string, unknown> }> }
      | undefined;
    check(operation, `${request.method} ${schemaPath} is not in openapi.yaml`);
    const status = String(response.status);
    const documented = operation.responses[status];
    check(documented, `${operation.operationId} answered ${status}, which openapi.yaml does not document`);
    const mediaType = (response.headers.get("content-type") ?? "").split(";")[0].trim();
    if (!documented.content) {
      check((await response.clone().text()) === "", `${operation.operationId} ${status} has a body, documented without one`);
      validatedAnswers++;
      return;
    }
    check(mediaType in documented.content, `${operation.operationId} ${status} answered ${mediaType}, not documented`);
    const schemaRef = `${DOCUMENT_ID}#/${pointer("paths", schemaPath, method, "responses", status, "content", mediaType, "schema")}`;
    const validate = ajv.getSchema(schemaRef) ?? ajv.compile({ $ref: schemaRef });
    const body: unknown = await response.clone().json();
    check(
      validate(body),
      `${operation.operationId} ${status} does not match openapi.yaml: ${ajv.errorsText(validate.errors)}\n${JSON.stringify(body)}`,
    );
    validatedAnswers++;
    return undefined;
  },
};

// --- The SMTP peer: collects every delivered message by its Message-ID -------------------------------------

type Mail = { to: string[]; messageId: string; text: string };
const mails: Mail[] = [];
const waiters: Array<() => void> = [];

const smtp = new SMTPServer({
  authOptional: true,
  disabledCommands: ["STARTTLS", "AUTH"],
  logger: false,
  onData(stream, session, callback) {
    simpleParser(stream)
      .then((parsed) => {
        mails.push({
          to: session.envelope.rcptTo.map((r) => r.address.toLowerCase()),
          messageId: parsed.messageId ?? "",
          text: parsed.text ?? "",
        });
        waiters.splice(0).forEach((wake) => wake());
        callback();
      })
      .catch((error: Error) => callback(error));
  },
});

/** The PIN 2 email of one outbox message: its Message-ID starts with the message id (32 hex digits). */
async function pin2Of(messageId: string, recipient: string): Promise<string> {
  const id = messageId.replaceAll("-", "").toLowerCase();
  const deadline = Date.now() + 60_000;
  for (;;) {
    const mail = mails.find((m) => m.messageId.replace(/^</, "").toLowerCase().startsWith(id));
    if (mail) {
      check(mail.to.includes(recipient.toLowerCase()), `PIN 2 mail went to ${mail.to.join(", ")}, not ${recipient}`);
      const pins = [...new Set(mail.text.match(PIN_PATTERN) ?? [])];
      check(pins.length === 1, `expected one PIN in the PIN 2 mail, found ${pins.length}`);
      return pins[0];
    }
    check(Date.now() < deadline, `no PIN 2 mail for message ${messageId} within 60 s`);
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, 1000);
      waiters.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }
}

// --- The flow --------------------------------------------------------------------------------------------------

async function main(): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    smtp.once("error", reject);
    smtp.listen(smtpPort, "127.0.0.1", () => resolve());
  });
  console.log(`Contract flow against ${baseUrl} (SMTP peer on 127.0.0.1:${smtpPort})`);

  const api = createClient<paths>({ baseUrl, headers: { "Accept-Language": "en" } });
  api.use(conformsToDocument);
  const as = (token: string) => ({ headers: { Authorization: `Bearer ${token}` } });
  const suffix = randomUUID().slice(0, 8);

  const ready = expectData(await api.GET("/health/ready"), 200, "readiness");
  check(ready.status === "healthy", "service not ready");
  step("GET /health/ready: healthy");

  // Operator: facility and its first admin.
  const operatorToken = expectData(
    await api.POST("/api/v1/staff/auth/token", { body: operator }),
    200,
    "operator sign-in",
  );
  check(operatorToken.staff.role === "operator", `operator token has role ${operatorToken.staff.role}`);
  step("operator signs in (createStaffToken)");

  const facility = expectData(
    await api.POST("/api/v1/facilities", { body: { name: `Kita Sonnenschein ${suffix}` }, ...as(operatorToken.accessToken) }),
    201,
    "create facility",
  );
  step(`operator creates facility "${facility.name}" (createFacility)`);

  const adminLogin = { email: `anna.becker.${suffix}@kita-sonnenschein.example`, password: "Sonnenschein-Leitung-2026" };
  const admin = expectData(
    await api.POST("/api/v1/facilities/{facilityId}/staff", {
      params: { path: { facilityId: facility.id } },
      body: { ...adminLogin, displayName: "Anna Becker", role: "admin" },
      ...as(operatorToken.accessToken),
    }),
    201,
    "create admin",
  );
  check(admin.role === "admin" && admin.facilityId === facility.id, "admin not in the facility");
  step("operator creates the facility's admin (createFacilityStaffAsOperator)");

  // The operator sees no child data: the role check is part of the contract.
  expectProblem(
    await api.GET("/api/v1/facility/children", { params: { query: {} }, ...as(operatorToken.accessToken) }),
    403,
    "forbidden",
    "operator lists children",
  );
  step("operator may not list children: 403 forbidden");

  // Staff: children, guardians, PINs.
  const staff = expectData(await api.POST("/api/v1/staff/auth/token", { body: adminLogin }), 200, "admin sign-in");
  const staffAuth = as(staff.accessToken);
  step("admin signs in");

  const parentEmail = `julia.schneider.${suffix}@example.com`;
  const today = new Date();
  async function childWithPins(firstName: string, born: string, group: string) {
    const child = expectData(
      await api.POST("/api/v1/facility/children", {
        body: { firstName, lastName: "Schneider", dateOfBirth: born, group },
        ...staffAuth,
      }),
      201,
      `create child ${firstName}`,
    );
    const guardian = expectData(
      await api.POST("/api/v1/facility/children/{childId}/guardians", {
        params: { path: { childId: child.id } },
        body: { name: "Julia Schneider", relationship: "Mutter", email: parentEmail },
        ...staffAuth,
      }),
      201,
      `create guardian of ${firstName}`,
    );
    check(guardian.pin.status === "none", "a new guardian has no PINs");
    const pins = expectData(
      await api.POST("/api/v1/facility/children/{childId}/guardians/{guardianId}/pins", {
        params: { path: { childId: child.id, guardianId: guardian.id } },
        ...staffAuth,
      }),
      201,
      `create PINs for ${firstName}`,
    );
    check(new Date(pins.expiresAt) > today, "PINs already expired");
    check(pins.pin2Delivery.recipient === parentEmail, "PIN 2 goes to another address");
    const pin2 = await pin2Of(pins.pin2Delivery.messageId, parentEmail);
    return { child, guardian, pin1: pins.pin1, pin2 };
  }

  const mia = await childWithPins("Mia", isoDate(-3), "Marienkäfer");
  step("staff create child Mia, guardian Julia and PINs; PIN 2 read from the SMTP peer");
  const leon = await childWithPins("Leon", isoDate(-5), "Igel");
  step("staff create sibling Leon, guardian Julia and PINs; PIN 2 read from the SMTP peer");

  // Parent: registration with the wrong PIN 2 first (the uniform answer), then for real.
  const password = "Sonnenblume-Garten-2026";
  expectProblem(
    await api.POST("/api/v1/accounts", { body: { email: parentEmail, password, pin1: mia.pin1, pin2: "2222-2222" } }),
    422,
    "pins_invalid",
    "registration with a wrong PIN 2",
  );
  step("registration with a wrong PIN 2: 422 pins_invalid");

  const registration = expectData(
    await api.POST("/api/v1/accounts", {
      // PIN input ignores letter case, spaces and dashes, as the document says.
      body: { email: parentEmail, password, pin1: mia.pin1.toLowerCase(), pin2: mia.pin2.replace("-", " ") },
    }),
    201,
    "registration",
  );
  check(registration.child.id === mia.child.id && registration.account.childrenCount === 1, "registration linked another child");
  step("parent registers with PIN 1 and PIN 2 (registerParent)");

  expectProblem(
    await api.POST("/api/v1/accounts", { body: { email: parentEmail, password, pin1: mia.pin1, pin2: mia.pin2 } }),
    409,
    "pins_already_used",
    "registration with used PINs",
  );
  step("the same PINs again: 409 pins_already_used");

  const login = expectData(
    await api.POST("/api/v1/auth/token", { body: { email: parentEmail, password } }),
    200,
    "parent sign-in",
  );
  const parentAuth = as(login.accessToken);
  step("parent signs in (createParentToken)");

  const before = expectData(await api.GET("/api/v1/me/children", { params: { query: {} }, ...parentAuth }), 200, "list children");
  check(
    before.items.length === 1 && before.items[0].id === mia.child.id && before.items[0].facility.id === facility.id && before.nextCursor === null,
    "expected Mia only",
  );
  step("parent lists children: Mia (listMyChildren)");

  const sibling = expectData(
    await api.POST("/api/v1/me/children", { body: { pin1: leon.pin1, pin2: leon.pin2, replacesChildId: null }, ...parentAuth }),
    201,
    "link sibling",
  );
  check(sibling.id === leon.child.id && sibling.linkStatus === "active", "sibling link");
  step("parent links sibling Leon with his PINs (linkMyChild)");

  const after = expectData(await api.GET("/api/v1/me/children", { params: { query: {} }, ...parentAuth }), 200, "list children");
  check(
    after.items.map((c) => c.firstName).sort().join(",") === "Leon,Mia",
    `expected Leon and Mia, got ${after.items.map((c) => c.firstName)}`,
  );
  step("parent lists children: Leon and Mia");

  const refreshed = expectData(
    await api.POST("/api/v1/auth/refresh", { body: { refreshToken: login.refreshToken } }),
    200,
    "refresh",
  );
  check(refreshed.refreshToken !== login.refreshToken, "refresh token not rotated");
  const me = expectData(await api.GET("/api/v1/me", as(refreshed.accessToken)), 200, "account");
  check(me.childrenCount === 2 && me.email === parentEmail, "account after refresh");
  step("parent refreshes the token; the new access token works (refreshParentToken, getMyAccount)");

  expectProblem(
    await api.POST("/api/v1/auth/refresh", { body: { refreshToken: login.refreshToken } }),
    401,
    "unauthenticated",
    "replayed refresh token",
  );
  step("replaying the used refresh token: 401 unauthenticated");

  // The help desk view shows what happened.
  const profile = expectData(
    await api.GET("/api/v1/facility/children/{childId}", { params: { path: { childId: mia.child.id } }, ...staffAuth }),
    200,
    "child profile",
  );
  const view = profile.guardians[0];
  check(view.pin.status === "redeemed" && view.pin.pin2Delivery?.status === "sent", "help desk view of the pair");
  check(view.links.some((l) => l.accountEmail === parentEmail), "help desk view lists the parent's account");
  step("staff see the pair redeemed, PIN 2 sent and the linked account (getChild)");

  console.log(`Contract flow passed: ${steps} steps, ${validatedAnswers} answers valid against openapi.yaml.`);
}

function isoDate(yearsFromNow: number): string {
  const date = new Date();
  date.setUTCFullYear(date.getUTCFullYear() + yearsFromNow);
  return date.toISOString().slice(0, 10);
}

main()
  .then(() => smtp.close(() => process.exit(0)))
  .catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    smtp.close(() => process.exit(1));
  });
