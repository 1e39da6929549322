// Type declarations of the Eclipse Dirigible modules dirigo serves, under
// every name it serves them (modules/modules.go). The shapes are in
// dirigo.d.ts; the current API (sdk/http..., @aerokit/sdk/..., @dirigible/...)
// answers a missing value with undefined, the CommonJS names of Dirigible
// 3.x-9.x (http/..., http/v4/..., http/v3/...) and 2.x (net/http/...) with null.
//
// Every module works with require() and with import: `import { request } from
// "sdk/http"`, `import request from "http/request"`, `import { getHeader } from
// "http/request"`.

/// <reference path="./dirigo.d.ts" />

declare namespace dirigo {
  /** The sdk/http index: the modules under their lower-case and class names, rs, decorators, and the
   * decorators flat. */
  interface SdkHttp extends Decorators {
    request: CurrentRequest;
    Request: CurrentRequest;
    response: CurrentResponse;
    Response: CurrentResponse;
    session: CurrentSession;
    Session: CurrentSession;
    upload: CurrentUpload;
    Upload: CurrentUpload;
    rs: Rs;
    decorators: Decorators;
  }

  /** sdk/utils: each utility under its lower-case and class name. */
  interface SdkUtils {
    alphanumeric: WithClass<Alphanumeric, "Alphanumeric">;
    Alphanumeric: WithClass<Alphanumeric, "Alphanumeric">;
    base64: WithClass<Base64, "Base64">;
    Base64: WithClass<Base64, "Base64">;
    digest: WithClass<Digest, "Digest">;
    Digest: WithClass<Digest, "Digest">;
    escape: WithClass<Escape, "Escape">;
    Escape: WithClass<Escape, "Escape">;
    hex: WithClass<Hex, "Hex">;
    Hex: WithClass<Hex, "Hex">;
    url: WithClass<UrlUtils, "URL">;
    URL: WithClass<UrlUtils, "URL">;
    utf8: WithClass<UTF8, "UTF8">;
    UTF8: WithClass<UTF8, "UTF8">;
    uuid: WithClass<UUID, "UUID">;
    UUID: WithClass<UUID, "UUID">;
    xml: WithClass<XML, "XML">;
    XML: WithClass<XML, "XML">;
    jsonpath: JSONPath;
    JSONPath: JSONPath;
  }

  /** What a JSONPath query gives each match as (resultType). */
  type JSONPathResultType = "value" | "path" | "pointer" | "parent" | "parentProperty" | "all";
  /** One match with resultType "all". */
  interface JSONPathMatch {
    path: string;
    value: any;
    parent: any;
    parentProperty: string | number | null;
    pointer: string;
  }
  /** The options of a JSONPath query (jsonpath-plus as Dirigible forked it). */
  interface JSONPathOptions {
    path: string | Array<string | number>;
    json: any;
    resultType?: JSONPathResultType;
    flatten?: boolean;
    wrap?: boolean;
    /** Accepted; filters are never eval'ed in dirigo (a small interpreter evaluates them). */
    preventEval?: boolean;
    sandbox?: Record<string, any>;
    parent?: any;
    parentProperty?: string | number | null;
    callback?: (value: any, type: "value" | "property", match: JSONPathMatch) => void;
    otherTypeCallback?: (value: any, type: string, match: JSONPathMatch) => void;
    /** false: no query now; the result has evaluate() to run it later. */
    autostart?: boolean;
  }
  /** utils/jsonpath: Dirigible's JSONPath function. */
  interface JSONPath {
    (options: JSONPathOptions & { autostart: false }): { evaluate(path?: string | Array<string | number> | Partial<JSONPathOptions>, json?: any, callback?: JSONPathOptions["callback"]): any };
    (options: JSONPathOptions): any;
    (path: string | Array<string | number>, json: any, callback?: JSONPathOptions["callback"], otherTypeCallback?: JSONPathOptions["otherTypeCallback"]): any;
    toPathArray(path: string): string[];
    toPathString(path: Array<string | number>): string;
    toPointer(path: Array<string | number>): string;
    readonly JSONPath: JSONPath;
    readonly default: JSONPath;
    readonly cache: object;
  }

  /** A module that also names itself by its class name (Base64.encode). */
  type WithClass<T, Name extends string> = T & { readonly [K in Name]: WithClass<T, Name> };

  /** Configurations in the current API (undefined when missing). */
  type CurrentConfigurations = WithClass<Configurations<undefined>, "Configurations">;
  /** core/env in the current API: list() gives an object. */
  type CurrentEnv = WithClass<Env<undefined> & { list(): Record<string, string> }, "Env">;
  /** core/env in the v4 API: list() gives the JSON text of an object. */
  type EnvV4 = WithClass<Env<null> & { list(): string }, "Env">;

  /** sdk/core: configurations and env under their lower-case and class names. */
  interface SdkCore {
    configurations: CurrentConfigurations;
    Configurations: CurrentConfigurations;
    env: CurrentEnv;
    Env: CurrentEnv;
  }

  /** sdk/security/user. */
  type CurrentUser = WithClass<User, "User">;
  /** sdk/security. */
  interface SdkSecurity {
    User: CurrentUser;
    user: CurrentUser;
  }
  /** net/http/user (2.x): getName() is null when anonymous. */
  interface UserV2 {
    getName(): string | null;
    isInRole(role: string): boolean;
  }
}

// ---- sdk/http (Dirigible 10+), its @aerokit/sdk (12.44+) and @dirigible (9.x) names
declare module "sdk/http" {
  const m: dirigo.SdkHttp;
  export = m;
}
declare module "sdk/http/request" {
  const m: dirigo.CurrentRequest;
  export = m;
}
declare module "sdk/http/response" {
  const m: dirigo.CurrentResponse;
  export = m;
}
declare module "sdk/http/session" {
  const m: dirigo.CurrentSession;
  export = m;
}
declare module "sdk/http/upload" {
  const m: dirigo.CurrentUpload;
  export = m;
}
declare module "sdk/http/rs" {
  const m: dirigo.Rs;
  export = m;
}
declare module "sdk/http/decorators" {
  const m: dirigo.Decorators;
  export = m;
}
declare module "@aerokit/sdk/http" {
  const m: dirigo.SdkHttp;
  export = m;
}
declare module "@aerokit/sdk/http/request" {
  const m: dirigo.CurrentRequest;
  export = m;
}
declare module "@aerokit/sdk/http/response" {
  const m: dirigo.CurrentResponse;
  export = m;
}
declare module "@aerokit/sdk/http/session" {
  const m: dirigo.CurrentSession;
  export = m;
}
declare module "@aerokit/sdk/http/upload" {
  const m: dirigo.CurrentUpload;
  export = m;
}
declare module "@aerokit/sdk/http/rs" {
  const m: dirigo.Rs;
  export = m;
}
declare module "@aerokit/sdk/http/decorators" {
  const m: dirigo.Decorators;
  export = m;
}
declare module "@dirigible/http" {
  const m: dirigo.SdkHttp;
  export = m;
}
declare module "@dirigible/http/request" {
  const m: dirigo.CurrentRequest;
  export = m;
}
declare module "@dirigible/http/response" {
  const m: dirigo.CurrentResponse;
  export = m;
}
declare module "@dirigible/http/session" {
  const m: dirigo.CurrentSession;
  export = m;
}
declare module "@dirigible/http/upload" {
  const m: dirigo.CurrentUpload;
  export = m;
}
declare module "@dirigible/http/rs" {
  const m: dirigo.Rs;
  export = m;
}
declare module "@dirigible/http/decorators" {
  const m: dirigo.Decorators;
  export = m;
}
// ---- the CommonJS API of Dirigible 3.x-9.x
declare module "http/request" {
  const m: dirigo.HttpRequest<null>;
  export = m;
}
declare module "http/response" {
  const m: dirigo.HttpResponse;
  export = m;
}
declare module "http/session" {
  const m: dirigo.Session;
  export = m;
}
declare module "http/upload" {
  const m: dirigo.Upload;
  export = m;
}
declare module "http/rs" {
  const m: dirigo.Rs;
  export = m;
}
declare module "http/rs-data" {
  const m: dirigo.RsData;
  export = m;
}
declare module "http/v4/request" {
  const m: dirigo.HttpRequest<null>;
  export = m;
}
declare module "http/v4/response" {
  const m: dirigo.HttpResponse;
  export = m;
}
declare module "http/v4/session" {
  const m: dirigo.Session;
  export = m;
}
declare module "http/v4/upload" {
  const m: dirigo.Upload;
  export = m;
}
declare module "http/v4/rs" {
  const m: dirigo.Rs;
  export = m;
}
declare module "http/v4/rs-data" {
  const m: dirigo.RsData;
  export = m;
}
declare module "http/v3/request" {
  const m: dirigo.HttpRequest<null>;
  export = m;
}
declare module "http/v3/response" {
  const m: dirigo.HttpResponse;
  export = m;
}
declare module "http/v3/session" {
  const m: dirigo.Session;
  export = m;
}
declare module "http/v3/upload" {
  const m: dirigo.Upload;
  export = m;
}
declare module "http/v3/rs" {
  const m: dirigo.Rs;
  export = m;
}
declare module "http/v3/rs-data" {
  const m: dirigo.RsData;
  export = m;
}
declare module "http/rs/decorators" {
  const m: dirigo.Decorators;
  export = m;
}
// ---- Dirigible 2.x
declare module "net/http/request" {
  const m: dirigo.RequestV2;
  export = m;
}
declare module "net/http/response" {
  const m: dirigo.ResponseV2;
  export = m;
}
declare module "net/http/session" {
  const m: dirigo.Session;
  export = m;
}
declare module "net/http/upload" {
  const m: dirigo.Upload;
  export = m;
}
declare module "net/http/user" {
  const m: dirigo.UserV2;
  export = m;
}
// ---- utils
declare module "utils/alphanumeric" {
  const m: dirigo.WithClass<dirigo.Alphanumeric, "Alphanumeric">;
  export = m;
}
declare module "utils/base64" {
  const m: dirigo.WithClass<dirigo.Base64, "Base64">;
  export = m;
}
declare module "utils/digest" {
  const m: dirigo.WithClass<dirigo.Digest, "Digest">;
  export = m;
}
declare module "utils/escape" {
  const m: dirigo.WithClass<dirigo.Escape, "Escape">;
  export = m;
}
declare module "utils/hex" {
  const m: dirigo.WithClass<dirigo.Hex, "Hex">;
  export = m;
}
declare module "utils/url" {
  const m: dirigo.WithClass<dirigo.UrlUtils, "URL">;
  export = m;
}
declare module "utils/utf8" {
  const m: dirigo.WithClass<dirigo.UTF8, "UTF8">;
  export = m;
}
declare module "utils/uuid" {
  const m: dirigo.WithClass<dirigo.UUID, "UUID">;
  export = m;
}
declare module "utils/xml" {
  const m: dirigo.WithClass<dirigo.XML, "XML">;
  export = m;
}
declare module "utils/v4/alphanumeric" {
  const m: dirigo.WithClass<dirigo.Alphanumeric, "Alphanumeric">;
  export = m;
}
declare module "utils/v4/base64" {
  const m: dirigo.WithClass<dirigo.Base64, "Base64">;
  export = m;
}
declare module "utils/v4/digest" {
  const m: dirigo.WithClass<dirigo.Digest, "Digest">;
  export = m;
}
declare module "utils/v4/escape" {
  const m: dirigo.WithClass<dirigo.Escape, "Escape">;
  export = m;
}
declare module "utils/v4/hex" {
  const m: dirigo.WithClass<dirigo.Hex, "Hex">;
  export = m;
}
declare module "utils/v4/url" {
  const m: dirigo.WithClass<dirigo.UrlUtils, "URL">;
  export = m;
}
declare module "utils/v4/utf8" {
  const m: dirigo.WithClass<dirigo.UTF8, "UTF8">;
  export = m;
}
declare module "utils/v4/uuid" {
  const m: dirigo.WithClass<dirigo.UUID, "UUID">;
  export = m;
}
declare module "utils/v4/xml" {
  const m: dirigo.WithClass<dirigo.XML, "XML">;
  export = m;
}
declare module "utils/v3/alphanumeric" {
  const m: dirigo.WithClass<dirigo.Alphanumeric, "Alphanumeric">;
  export = m;
}
declare module "utils/v3/base64" {
  const m: dirigo.WithClass<dirigo.Base64, "Base64">;
  export = m;
}
declare module "utils/v3/digest" {
  const m: dirigo.WithClass<dirigo.Digest, "Digest">;
  export = m;
}
declare module "utils/v3/escape" {
  const m: dirigo.WithClass<dirigo.Escape, "Escape">;
  export = m;
}
declare module "utils/v3/hex" {
  const m: dirigo.WithClass<dirigo.Hex, "Hex">;
  export = m;
}
declare module "utils/v3/url" {
  const m: dirigo.WithClass<dirigo.UrlUtils, "URL">;
  export = m;
}
declare module "utils/v3/utf8" {
  const m: dirigo.WithClass<dirigo.UTF8, "UTF8">;
  export = m;
}
declare module "utils/v3/uuid" {
  const m: dirigo.WithClass<dirigo.UUID, "UUID">;
  export = m;
}
declare module "utils/v3/xml" {
  const m: dirigo.WithClass<dirigo.XML, "XML">;
  export = m;
}
declare module "sdk/utils/alphanumeric" {
  const m: dirigo.WithClass<dirigo.Alphanumeric, "Alphanumeric">;
  export = m;
}
declare module "sdk/utils/base64" {
  const m: dirigo.WithClass<dirigo.Base64, "Base64">;
  export = m;
}
declare module "sdk/utils/digest" {
  const m: dirigo.WithClass<dirigo.Digest, "Digest">;
  export = m;
}
declare module "sdk/utils/escape" {
  const m: dirigo.WithClass<dirigo.Escape, "Escape">;
  export = m;
}
declare module "sdk/utils/hex" {
  const m: dirigo.WithClass<dirigo.Hex, "Hex">;
  export = m;
}
declare module "sdk/utils/url" {
  const m: dirigo.WithClass<dirigo.UrlUtils, "URL">;
  export = m;
}
declare module "sdk/utils/utf8" {
  const m: dirigo.WithClass<dirigo.UTF8, "UTF8">;
  export = m;
}
declare module "sdk/utils/uuid" {
  const m: dirigo.WithClass<dirigo.UUID, "UUID">;
  export = m;
}
declare module "sdk/utils/xml" {
  const m: dirigo.WithClass<dirigo.XML, "XML">;
  export = m;
}
declare module "@aerokit/sdk/utils/alphanumeric" {
  const m: dirigo.WithClass<dirigo.Alphanumeric, "Alphanumeric">;
  export = m;
}
declare module "@aerokit/sdk/utils/base64" {
  const m: dirigo.WithClass<dirigo.Base64, "Base64">;
  export = m;
}
declare module "@aerokit/sdk/utils/digest" {
  const m: dirigo.WithClass<dirigo.Digest, "Digest">;
  export = m;
}
declare module "@aerokit/sdk/utils/escape" {
  const m: dirigo.WithClass<dirigo.Escape, "Escape">;
  export = m;
}
declare module "@aerokit/sdk/utils/hex" {
  const m: dirigo.WithClass<dirigo.Hex, "Hex">;
  export = m;
}
declare module "@aerokit/sdk/utils/url" {
  const m: dirigo.WithClass<dirigo.UrlUtils, "URL">;
  export = m;
}
declare module "@aerokit/sdk/utils/utf8" {
  const m: dirigo.WithClass<dirigo.UTF8, "UTF8">;
  export = m;
}
declare module "@aerokit/sdk/utils/uuid" {
  const m: dirigo.WithClass<dirigo.UUID, "UUID">;
  export = m;
}
declare module "@aerokit/sdk/utils/xml" {
  const m: dirigo.WithClass<dirigo.XML, "XML">;
  export = m;
}
declare module "sdk/utils" {
  const m: dirigo.SdkUtils;
  export = m;
}
declare module "@aerokit/sdk/utils" {
  const m: dirigo.SdkUtils;
  export = m;
}
// ---- core
declare module "core/configurations" {
  const m: dirigo.WithClass<dirigo.Configurations<null>, "Configurations">;
  export = m;
}
declare module "core/env" {
  const m: dirigo.EnvV4;
  export = m;
}
declare module "core/v4/configurations" {
  const m: dirigo.WithClass<dirigo.Configurations<null>, "Configurations">;
  export = m;
}
declare module "core/v4/env" {
  const m: dirigo.EnvV4;
  export = m;
}
declare module "core/v3/configurations" {
  const m: dirigo.WithClass<dirigo.Configurations<null>, "Configurations">;
  export = m;
}
declare module "core/v3/env" {
  const m: dirigo.EnvV4;
  export = m;
}
declare module "sdk/core" {
  const m: dirigo.SdkCore;
  export = m;
}
declare module "sdk/core/configurations" {
  const m: dirigo.CurrentConfigurations;
  export = m;
}
declare module "sdk/core/env" {
  const m: dirigo.CurrentEnv;
  export = m;
}
declare module "@aerokit/sdk/core" {
  const m: dirigo.SdkCore;
  export = m;
}
declare module "@aerokit/sdk/core/configurations" {
  const m: dirigo.CurrentConfigurations;
  export = m;
}
declare module "@aerokit/sdk/core/env" {
  const m: dirigo.CurrentEnv;
  export = m;
}
// ---- security
declare module "security/user" {
  const m: dirigo.User;
  export = m;
}
declare module "security/v4/user" {
  const m: dirigo.User;
  export = m;
}
declare module "security/v3/user" {
  const m: dirigo.User;
  export = m;
}
declare module "sdk/security" {
  const m: dirigo.SdkSecurity;
  export = m;
}
declare module "sdk/security/user" {
  const m: dirigo.CurrentUser;
  export = m;
}
declare module "@aerokit/sdk/security" {
  const m: dirigo.SdkSecurity;
  export = m;
}
declare module "@aerokit/sdk/security/user" {
  const m: dirigo.CurrentUser;
  export = m;
}
// ---- utils/jsonpath, and the @dirigible (9.x) names of utils, core and security
declare module "utils/jsonpath" {
  const m: dirigo.JSONPath;
  export = m;
}
declare module "utils/v4/jsonpath" {
  const m: dirigo.JSONPath;
  export = m;
}
declare module "utils/v3/jsonpath" {
  const m: dirigo.JSONPath;
  export = m;
}
declare module "sdk/utils/jsonpath" {
  const m: dirigo.JSONPath;
  export = m;
}
declare module "@aerokit/sdk/utils/jsonpath" {
  const m: dirigo.JSONPath;
  export = m;
}
declare module "@dirigible/utils/jsonpath" {
  const m: dirigo.JSONPath;
  export = m;
}
declare module "@dirigible/utils/alphanumeric" {
  const m: dirigo.WithClass<dirigo.Alphanumeric, "Alphanumeric">;
  export = m;
}
declare module "@dirigible/utils/base64" {
  const m: dirigo.WithClass<dirigo.Base64, "Base64">;
  export = m;
}
declare module "@dirigible/utils/digest" {
  const m: dirigo.WithClass<dirigo.Digest, "Digest">;
  export = m;
}
declare module "@dirigible/utils/escape" {
  const m: dirigo.WithClass<dirigo.Escape, "Escape">;
  export = m;
}
declare module "@dirigible/utils/hex" {
  const m: dirigo.WithClass<dirigo.Hex, "Hex">;
  export = m;
}
declare module "@dirigible/utils/url" {
  const m: dirigo.WithClass<dirigo.UrlUtils, "URL">;
  export = m;
}
declare module "@dirigible/utils/utf8" {
  const m: dirigo.WithClass<dirigo.UTF8, "UTF8">;
  export = m;
}
declare module "@dirigible/utils/uuid" {
  const m: dirigo.WithClass<dirigo.UUID, "UUID">;
  export = m;
}
declare module "@dirigible/utils/xml" {
  const m: dirigo.WithClass<dirigo.XML, "XML">;
  export = m;
}
declare module "@dirigible/utils" {
  const m: dirigo.SdkUtils;
  export = m;
}
declare module "@dirigible/core" {
  const m: dirigo.SdkCore;
  export = m;
}
declare module "@dirigible/core/configurations" {
  const m: dirigo.CurrentConfigurations;
  export = m;
}
declare module "@dirigible/core/env" {
  const m: dirigo.CurrentEnv;
  export = m;
}
declare module "@dirigible/security" {
  const m: dirigo.SdkSecurity;
  export = m;
}
declare module "@dirigible/security/user" {
  const m: dirigo.CurrentUser;
  export = m;
}
