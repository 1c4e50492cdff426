-- The topic words the meaning loads make their queries of (meaning.lua, meaning-zipf.lua).
return {
  "wage", "housing", "rent", "climate", "police", "youth", "trust", "design", "battery", "cost",
  "tax", "water", "farming", "income", "taxi", "volunteers", "community", "referendum", "species",
  "schools", "paper", "forms", "online", "digital", "health", "transport", "energy", "privacy",
  "remote", "meeting", "budget", "jobs", "business", "elderly", "access", "funding", "safety",
  "training", "parks", "waste",
}
