"""The resource directory: national lines now, the Open Referral HSDS directory next."""
