DROP TABLE provider_links;
DROP TABLE oidc_requests;
DROP TABLE identity_providers;
