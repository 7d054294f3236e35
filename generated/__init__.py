"""A client library for accessing OpenRouter API"""
